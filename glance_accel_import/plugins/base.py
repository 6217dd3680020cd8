"""What both import plugins share: staging files and failure handling."""

import typing

from oslo_config import cfg
from oslo_log import log as logging
from taskflow import task

from glance_accel_import.engines import manager
from glance_accel_import import opts
from glance_accel_import import staging

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
opts.register_opts(CONF)


def plugin_listed(name):
    """True if Glance is configured to run import plugin ``name``."""
    try:
        return name in CONF.image_import_opts.image_import_plugins
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return False


class StagedDataTask(task.Task):
    """A task that may rewrite the staged image data.

    Subclasses implement ``process(staged, work)``: read ``staged``, write
    any new data to the temporary path ``work``, and swap it in with
    ``staging.replace`` once it is verified. The flow's ``file_path`` is
    handed on unchanged because the staged file keeps its name.
    """

    default_provides = 'file_path'
    #: Suffix of our temporary file ``<image_id>.<suffix>`` in staging.
    work_suffix: typing.ClassVar[str]

    def __init__(self, task_id, task_type, action_wrapper, stores):
        self.action_wrapper = action_wrapper
        self.image_id = action_wrapper.image_id
        self.stores = stores
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
        return getattr(CONF, opts.ENGINE_GROUP).chunk_size

    def execute(self, file_path):
        self.staged = staging.staged_path(file_path)
        self.work = staging.work_path(self.staged, self.image_id,
                                      self.work_suffix)
        self.process(self.staged, self.work)
        return file_path

    def process(self, staged, work):
        raise NotImplementedError()

    def revert(self, result=None, **kwargs):
        # Whether this task or a later one failed, nothing after us will
        # run: put the image back so the user can retry, and leave nothing
        # in staging (Glance's image_conversion plugin does the same).
        for path in (self.work, self.staged):
            if path:
                staging.remove_quietly(path)
        with self.action_wrapper as action:
            # Every plugin in the flow reverts, the failed one first: an
            # earlier one finds the image queued already, and Glance
            # refuses queued -> queued (the user would then see "Internal
            # Error" instead of the failed plugin's reason).
            if action.image_status != 'queued':
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
                stores=kwargs.get('backend') or [])
