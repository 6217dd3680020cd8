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

"""Every configuration option of glance-accel-import, declared once.

Glance reads these from ``glance-image-import.conf`` (or ``glance-api.conf``).
``list_opts`` feeds oslo-config-generator, which writes the sample in ``etc/``.
"""

import os

from oslo_config import cfg
from oslo_utils import units
from stevedore import extension

from glance_accel_import import digests

ENGINE_GROUP = 'accel_import'
DECOMPRESS_GROUP = 'accel_decompress'
COMPRESS_GROUP = 'accel_compress'

#: Smallest and largest ``chunk_size``, bytes.
CHUNK_SIZE_RANGE = (64 * units.Ki, 64 * units.Mi)
#: Every preset of xz (64 MiB dictionary) and zstd (128 MiB window).
DEFAULT_MAX_DECODER_MEMORY = 128 * units.Mi
#: Plain bytes per independent gzip member (0: a single member).
DEFAULT_GZIP_MEMBER_SIZE = 4 * units.Mi

engine_opts = [
    cfg.ListOpt('engine_order',
                default=[],
                help="""
Engines to use, most preferred first.

An engine is a compression back end: a hardware accelerator or a software
codec. For every image the first engine in this order that is installed,
passes its probe and handles the image's compression format does the work.
Imports skip names that are not installed, so one list can serve hosts with
different engines; ``glance-accel-import engines`` reports each such name as
an error, so that a typing mistake is found before it matters.

Possible values:
    * Empty (the default): every installed engine, hardware engines first,
      then software engines fastest first.
    * A comma-separated list of engine names, as listed by
      ``glance-accel-import engines``: for example ``isal`` (ISA-L, gzip) or
      ``stdlib`` (Python's zlib, gzip; also reads bzip2 and xz) or ``qat``
      (Intel QAT through qzip, gzip). Engines not listed are not used.

Related options:
    * fallback_policy
"""),
    cfg.StrOpt('fallback_policy',
               default='prefer_hardware',
               choices=[
                   ('prefer_hardware', 'hardware engines and software '
                                       'engines, in engine_order'),
                   ('hardware_only', 'hardware engines only'),
                   ('software_only', 'software engines only'),
               ],
               help="""
Which kinds of engine may do the work, and so where an import goes when a
hardware engine is missing or fails.

Engines are tried in ``engine_order``. An engine that fails part-way (for
example a QAT device that disappears, or output that fails verification) is
abandoned: its partial output is discarded and the next allowed engine
starts again from the first byte into a fresh file.

Possible values:
    * prefer_hardware (the default): hardware and software engines; with the
      default order hardware is tried first and software takes over when
      it is unavailable or fails.
    * hardware_only: only hardware engines; an import fails with a clear
      error when none is ready or all fail. Use it when the Glance nodes'
      CPUs must not do compression.
    * software_only: only software engines, even where hardware exists.

Related options:
    * engine_order
"""),
    cfg.IntOpt('max_virtual_size',
               default=0,
               min=0,
               help="""
Largest virtual size, in bytes, of an image either plugin accepts.

The virtual size is read from the image's header (for qcow2, vmdk, vhd and
others) or is the data size for raw images. A small image can claim a huge
disk: converting it to raw, or writing it to a volume, would then fill the
disk. Images over this size are refused before anything replaces the upload.

Possible values:
    * 0: use Glance's ``image_size_cap``.
    * A positive integer: a limit in bytes.

Related options:
    * [DEFAULT] image_size_cap
    * [image_conversion] output_format
"""),
    cfg.IntOpt('free_space_reserve',
               default=256 * units.Mi,
               min=0,
               help="""
Free space, in bytes, to leave in the staging area after writing an image.

Before writing a new file beside the staged upload, the plugins check that
the staging filesystem has room for it (estimated as the upload's size) plus
this reserve, and refuse the import without writing a byte otherwise. A
filesystem that fills up anyway is reported as a storage-full error.

Possible values:
    * 0 or a positive integer, in bytes.

Related options:
    * [os_glance_staging_store] filesystem_store_datadir
"""),
    cfg.IntOpt('chunk_size',
               default=units.Mi,
               min=CHUNK_SIZE_RANGE[0],
               max=CHUNK_SIZE_RANGE[1],
               help="""
Bytes read, and at most written, per step of a compression stream.

Memory use per import is a small multiple of this value, whatever the image
size.

Possible values:
    * An integer from 65536 to 67108864.

Related options:
    * threads
"""),
    cfg.IntOpt('threads',
               default=0,
               min=0,
               max=256,
               help="""
Threads that compress or decompress one image in parallel.

gzip compression by the ``isal`` and ``stdlib`` engines splits the image into
blocks and deflates them on this many threads, writing standard gzip; the
``zstd`` engine uses as many zstd workers. gzip written as sized members
(``[accel_compress] gzip_member_size``, or QATzip's gzipext) is inflated on
this many threads too; any other single gzip stream cannot be split and uses
one thread for the codec (plus one for writing and hashing).

Possible values:
    * 0 (the default): one thread per CPU of the host.
    * A positive integer: at most this many threads per import.

Related options:
    * chunk_size
    * [accel_compress] gzip_member_size
"""),
]

decompress_opts = [
    cfg.BoolOpt('enabled',
                default=True,
                help="""
Let the ``accel_decompress`` import plugin act.

The plugin runs only when it is also listed in
``[image_import_opts] image_import_plugins``. Setting this to False turns it
into a no-op without editing that list.

Possible values:
    * True or False

Related options:
    * [image_import_opts] image_import_plugins
"""),
    cfg.IntOpt('max_output_size',
               default=0,
               min=0,
               help="""
Largest decompressed image, in bytes, that the plugins will write.

It applies wherever a compressed upload is unpacked: in ``accel_decompress``,
and in ``accel_compress`` when it is handed data that is still compressed.
Decompression stops, and the import fails with a clear message, as soon as the
output would pass this size, so a small upload cannot fill the staging area.
The bytes actually written are counted; sizes recorded in headers are never
trusted.

Possible values:
    * 0: use Glance's ``image_size_cap``.
    * A positive integer: a limit in bytes.

Related options:
    * [DEFAULT] image_size_cap
"""),
    cfg.IntOpt('max_expansion_ratio',
               default=1100,
               min=0,
               help="""
Largest ratio of decompressed to compressed size the plugins accept.

Decompression stops as soon as the output passes this multiple of the
upload's size. gzip cannot expand more than about 1032 times, so the default
accepts every honest gzip upload while stopping bzip2, xz or zstd bombs long
before ``max_output_size``.

Possible values:
    * 0: no ratio limit (``max_output_size`` still applies).
    * A positive integer.

Related options:
    * max_output_size
"""),
    cfg.IntOpt('max_decoder_memory',
               default=DEFAULT_MAX_DECODER_MEMORY,
               min=units.Mi,
               help="""
Most memory, in bytes, that decoding one compressed upload may need for the
history its format keeps (the xz dictionary, the zstd window).

An xz or zstd header names the memory its decoder needs, up to 4 GiB for xz
and 2 GiB or more for zstd, whatever the size of the upload: without a limit
a 7 MB upload can take gigabytes of Glance's memory, once for every import
running at the same time. A payload that needs more than this is refused
before that memory is taken, with a message naming this option. The default
decodes everything the tools' own presets write: ``xz -9`` and ``xz -9e``
use a 64 MiB dictionary (65 MiB to decode), ``zstd --ultra -22`` and
``zstd --long`` a 128 MiB window, which is also the largest the zstd
command itself decodes without ``--memory``. For xz the limit covers all of
the decoder's memory, like ``xz --memlimit-decompress``; for zstd it bounds
the window, like ``zstd --memory``. gzip (a 32 KiB window) and bzip2 (under
4 MB for its largest block size) need little, fixed memory and are not
affected.

Possible values:
    * An integer of at least 1048576 (1 MiB).

Related options:
    * [accel_import] chunk_size
"""),
]

compress_opts = [
    cfg.BoolOpt('enabled',
                default=True,
                help="""
Let the ``accel_compress`` import plugin act.

The plugin compresses images whose ``container_format`` is ``compressed``. It
runs only when it is also listed in ``[image_import_opts]
image_import_plugins``, after ``image_conversion``. When it is disabled,
``accel_decompress`` stores decompressed payloads as ``bare``.

Possible values:
    * True or False

Related options:
    * [image_import_opts] image_import_plugins
    * format
    * level
"""),
    cfg.StrOpt('format',
               default='gzip',
               choices=[('gzip', 'gzip (RFC 1952): readable by Cinder and '
                                 'every gzip tool'),
                        ('zstd', 'zstd (RFC 8878): smaller and faster to '
                                 'decompress; needs a zstd-aware consumer')],
               help="""
Compression format of stored ``compressed`` images.

Possible values:
    * gzip: what Cinder's ``compressed`` container format expects.
    * zstd: written by the ``zstd`` engine (multi-threaded); only for
      consumers that read zstd.

Related options:
    * level
"""),
    cfg.StrOpt('uncompressed_digest',
               default=digests.BLOCK_SHA256,
               choices=[
                   (digests.BLOCK_SHA256,
                    'SHA-256 over the SHA-256 of each 4 MiB block, recorded '
                    'as accel_uncompressed_block_sha256; zero blocks and '
                    'holes cost nothing'),
                   (digests.SHA256,
                    'SHA-256 of every byte, recorded as '
                    'accel_uncompressed_sha256; hashes every zero'),
                   (digests.NONE, 'record no digest'),
               ],
               help="""
Digest of the uncompressed image to record, so consumers can check a round
trip.

``block_sha256`` is the SHA-256 of the concatenated SHA-256 digests of each
4 MiB block (the last block may be shorter), the construction Dropbox
publishes as its content hash. A whole zero block has one known digest, so
compression time keeps following the data, not the size of the volume.
``glance-accel-import digest FILE`` or coreutils (``split -b 4M --filter``,
``sha256sum``) recompute it. ``sha256`` matches ``sha256sum`` directly but
hashes every zero of a sparse volume, about 1.7 GB/s on one core: on a
mostly empty volume it can take longer than the compression itself. The gzip
stream carries its own CRC-32 and length whatever is chosen here.

Possible values:
    * block_sha256: record ``accel_uncompressed_block_sha256``.
    * sha256: record ``accel_uncompressed_sha256``.
    * none: record no digest.

Related options:
    * format
"""),
    cfg.IntOpt('gzip_member_size',
               default=DEFAULT_GZIP_MEMBER_SIZE,
               min=0,
               max=256 * units.Mi,
               help="""
Plain bytes per gzip member written by the ``isal`` and ``stdlib`` engines.

With a positive value, gzip output is a series of independent members of
about this many bytes (long runs of zeros get members of their own), each
carrying its plain and compressed sizes in a gzip extra field laid out as
QATzip's gzipext format (subfield ``QZ``). Every gzip reader (gzip, pigz,
igzip, Python, Cinder, QATzip's ``qzip -d``) reads it as usual;
``accel_decompress`` and the ``decompress`` command find the members without
inflating and decompress them on every core. QATzip sends a member to a QAT
device only if it holds at most its ``hw_buff_sz`` (64 KiB by default), so
it decompresses larger members in software. Smaller members spread better
over cores and cost size: each restarts the 32 KiB window (about 0.1 percent
at 4 MiB).

Possible values:
    * 0: one gzip member per image, as before; it decompresses on one core.
    * An integer from 1 to 268435456: bytes per member (4194304 by
      default).

Related options:
    * format
    * [accel_import] threads
"""),
    cfg.IntOpt('level',
               default=1,
               min=1,
               max=9,
               help="""
Compression level, from 1 (fastest) to 9 (smallest).

Each engine maps this scale to its own: ``stdlib`` uses it as the zlib level;
``isal`` maps 1-3 to ISA-L level 1, 4-6 to level 2 and 7-9 to level 3.

Possible values:
    * An integer from 1 to 9.

Related options:
    * format
"""),
]


def compress_threads():
    """Threads per compression: the ``threads`` option, else one per CPU."""
    try:
        configured = getattr(cfg.CONF, ENGINE_GROUP).threads
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        configured = 0
    return configured or os.cpu_count() or 1


def gzip_member_size():
    """The ``gzip_member_size`` option, or its default if unregistered."""
    try:
        return getattr(cfg.CONF, COMPRESS_GROUP).gzip_member_size
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return DEFAULT_GZIP_MEMBER_SIZE


def max_decoder_memory():
    """The ``max_decoder_memory`` option, or its default if unregistered."""
    try:
        return getattr(cfg.CONF, DECOMPRESS_GROUP).max_decoder_memory
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return DEFAULT_MAX_DECODER_MEMORY


def register_opts(conf):
    conf.register_opts(engine_opts, group=ENGINE_GROUP)
    conf.register_opts(decompress_opts, group=DECOMPRESS_GROUP)
    conf.register_opts(compress_opts, group=COMPRESS_GROUP)


#: The entry-point namespace of engines; walked only through stevedore.
ENGINE_NAMESPACE = 'glance_accel_import.engines'


def engine_opts_by_group():
    """Options that installed engines declare (``Engine.options``)."""
    # A broken engine is skipped here and reported by manager.load_engines.
    classes = extension.ExtensionManager(ENGINE_NAMESPACE,
                                         invoke_on_load=False)
    return [(ext.plugin.option_group(), list(ext.plugin.options))
            for ext in classes if getattr(ext.plugin, 'options', ())]


def list_opts():
    """Options for oslo-config-generator, groups sorted for a stable sample."""
    return sorted([
        (COMPRESS_GROUP, compress_opts),
        (DECOMPRESS_GROUP, decompress_opts),
        (ENGINE_GROUP, engine_opts),
    ] + engine_opts_by_group(), key=lambda item: item[0])
