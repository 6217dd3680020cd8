# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""What both import plugins share: staging files and failure handling.

Invariants of a failed import, whatever the import method and plugin order:
the image ends ``queued`` and no requeue is ever refused, so the failed
task's reason reaches the user and Glance drops the import lock (see
``StagedDataTask._put_back``); our work files and the staged data are
removed; an image deleted during its import gets one log line, not a
traceback. Work files that a crash left behind are reaped at the start of
the next import on the node (``staging.reap_orphans``).
"""

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

try:
    from glance.common.exception import NotFound as _ImageGone
except ImportError:  # the command line on a host without Glance
    class _ImageGone(Exception):
        pass

LOG = logging.getLogger(__name__)
CONF = cfg.CONF
opts.register_opts(CONF)


#: Glance's own conversion plugin; its revert always requeues the image.
IMAGE_CONVERSION = 'image_conversion'
#: Import methods whose own tasks revert after every plugin and always
#: requeue the image (Glance's ``base_download.BaseDownload.revert``, and
#: for glance-download also ``_ImportMetadata.revert``).
DOWNLOAD_METHODS = frozenset(['web-download', 'glance-download'])


def plugin_listed(name):
    """True if Glance is configured to run import plugin ``name``."""
    return name in glance_options.import_plugins()


def listed_before(first, second):
    """True if Glance runs import plugin ``first`` before ``second``."""
    plugins = glance_options.import_plugins()
    return (first in plugins and second in plugins
            and plugins.index(first) < plugins.index(second))


def requeued_later(plugin_name, import_method):
    """True if a Glance task reverting after ``plugin_name`` requeues.

    Tasks revert last first, so the tasks that revert after a plugin are
    the ones that ran before it: the import method's download task, and
    image_conversion if it is listed before the plugin.
    """
    return (import_method in DOWNLOAD_METHODS
            or listed_before(IMAGE_CONVERSION, plugin_name))


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
                 context=None, import_method=None):
        self.action_wrapper = action_wrapper
        self.image_id = action_wrapper.image_id
        self.stores = stores
        self.context = context
        self.import_method = import_method
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
        # The claim tells other tasks' reapers that our work file is live.
        with staging.claim(self.staged):
            self._reap_orphans()
            self.process(self.staged, self.work)
        return file_path

    def _reap_orphans(self):
        """Remove work files that a crash or a deleted image left behind."""
        try:
            reaped = staging.reap_orphans(os.path.dirname(self.staged))
        except OSError as exc:
            LOG.warning('Could not clean up the staging area: %s', exc)
            return
        for name in reaped:
            LOG.info('Removed %s from staging: no import is using it (its '
                     'glance-api stopped mid-import, or its image was '
                     'deleted)', name)

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
        try:
            self._put_back()
        except _ImageGone:
            LOG.info('Image %s is gone (deleted during its import): %s has '
                     'nothing to put back', self.image_id, self.name)
            return
        LOG.info('Import of image %s reverted by %s', self.image_id,
                 self.name)

    def _put_back(self):
        """Leave the image for the last requeuing revert to requeue.

        Every task in the flow reverts, last first, and Glance refuses
        queued -> queued: a second requeue fails the revert, the user reads
        "Internal Error" instead of the failed task's reason, and the import
        lock stays. Glance's own requeuing reverts (image_conversion, the
        download task of web-download) are unconditional, so: if one of
        them reverts after us, the image must still be ``importing`` when
        it does, and if none does, we requeue. An image already requeued by
        an earlier revert (image_conversion listed after us) is handed back
        to ``importing`` when a Glance task will requeue it again.
        """
        later = requeued_later(self.plugin_name, self.import_method)
        with self.action_wrapper as action:
            status = action.image_status
            if later and status == 'queued':
                action.set_image_attribute(status='importing')
            elif not later and status != 'queued':
                action.set_image_attribute(status='queued')
            if self.stores:
                action.remove_importing_stores(self.stores)
                action.add_failed_stores(self.stores)


def task_arguments(kwargs):
    """Pick the arguments our tasks take from Glance's plugin kwargs."""
    return dict(task_id=kwargs.get('task_id'),
                task_type=kwargs.get('task_type'),
                action_wrapper=kwargs.get('action_wrapper'),
                stores=kwargs.get('backend') or [],
                context=kwargs.get('context'),
                import_method=(kwargs.get('import_req') or {}).get(
                    'method', {}).get('name'))
