"""What both import plugins share: staging files and failure handling."""

import os
import typing

from oslo_config import cfg
from oslo_log import log as logging
from taskflow import task

from glance_accel_import.engines import fallback
from glance_accel_import.engines import manager
from glance_accel_import import exception
from glance_accel_import import glance_options
from glance_accel_import import inspection
from glance_accel_import import opts
from glance_accel_import import staging

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
opts.register_opts(CONF)


#: Glance's own conversion plugin; its revert always requeues the image.
IMAGE_CONVERSION = 'image_conversion'


def plugin_listed(name):
    """True if Glance is configured to run import plugin ``name``."""
    return name in glance_options.import_plugins()


def listed_before(first, second):
    """True if Glance runs import plugin ``first`` before ``second``."""
    plugins = glance_options.import_plugins()
    return (first in plugins and second in plugins
            and plugins.index(first) < plugins.index(second))


def engine_options():
    return getattr(CONF, opts.ENGINE_GROUP)


class StagedDataTask(task.Task):
    """A task that may rewrite the staged image data.

    Subclasses implement ``process(staged, work)``: read ``staged``, write
    any new data to the temporary path ``work`` with ``write_work``, inspect
    it, and swap it in with ``staging.replace``. The flow's ``file_path`` is
    handed on unchanged because the staged file keeps its name.
    """

    default_provides = 'file_path'
    #: The plugin's name in ``image_import_plugins``.
    plugin_name: typing.ClassVar[str]
    #: Suffix of our temporary file ``<image_id>.<suffix>`` in staging.
    work_suffix: typing.ClassVar[str]

    def __init__(self, task_id, task_type, action_wrapper, stores,
                 context=None):
        self.action_wrapper = action_wrapper
        self.image_id = action_wrapper.image_id
        self.stores = stores
        self.context = context
        self.staged = None
        self.work = None
        self._engines = None
        super().__init__(name='%s-%s-%s' % (task_type, type(self).__name__,
                                            task_id))

    @property
    def engines(self):
        if self._engines is None:
            self._engines = manager.load_engines()
        return self._engines

    @property
    def chunk_size(self):
        return engine_options().chunk_size

    def execute(self, file_path):
        self.staged = staging.staged_path(file_path)
        self.work = staging.work_path(self.staged, self.image_id,
                                      self.work_suffix)
        self.process(self.staged, self.work)
        return file_path

    def process(self, staged, work):
        raise NotImplementedError()

    def write_work(self, estimate, operation, fmt, stream):
        """Write the work file with ``stream(engine, file)``; an ``Outcome``.

        Nothing is written unless the staging area has room for
        ``estimate`` bytes plus the reserve. Engines are tried in turn as
        ``fallback.run`` decides, each into a fresh file; a filesystem that
        fills up is reported as such, and the partial file removed.
        """
        staging.check_free_space(os.path.dirname(self.work),
                                 estimate + engine_options()
                                 .free_space_reserve)
        try:
            return fallback.run(operation, fmt, self.engines, self.work,
                                stream)
        except OSError as exc:
            if staging.is_out_of_space(exc):
                raise exception.StagingFull(
                    'the staging area filled up while writing image %s'
                    % self.image_id) from exc
            raise

    def inspect_work(self, path, disk_format):
        """Inspect ``path``; remove our work file if it is refused."""
        try:
            return inspection.inspect_image(
                path, disk_format, glance_options.or_image_size_cap(
                    engine_options().max_virtual_size))
        except Exception:
            staging.remove_quietly(self.work)
            raise

    def revert(self, result=None, **kwargs):
        # Whether this task or a later one failed, nothing after us will
        # run: put the image back so the user can retry, and leave nothing
        # in staging (Glance's image_conversion plugin does the same).
        for path in (self.work, self.staged):
            if path:
                staging.remove_quietly(path)
        with self.action_wrapper as action:
            # Every plugin in the flow reverts, the failed one first, and
            # Glance refuses queued -> queued: a second requeue would fail
            # the revert and the user would see "Internal Error" instead of
            # the failed plugin's reason. So requeue only if no one has, and
            # leave it to Glance's image_conversion if it runs before us:
            # its revert, which comes after ours, requeues unconditionally.
            if (action.image_status != 'queued' and
                    not listed_before(IMAGE_CONVERSION, self.plugin_name)):
                action.set_image_attribute(status='queued')
            if self.stores:
                action.remove_importing_stores(self.stores)
                action.add_failed_stores(self.stores)
        LOG.info('Import of image %s reverted by %s', self.image_id,
                 self.name)


def task_arguments(kwargs):
    """Pick the arguments our tasks take from Glance's plugin kwargs."""
    return dict(task_id=kwargs.get('task_id'),
                task_type=kwargs.get('task_type'),
                action_wrapper=kwargs.get('action_wrapper'),
                stores=kwargs.get('backend') or [],
                context=kwargs.get('context'))
