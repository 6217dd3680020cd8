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

"""The contract every compression engine fulfils, and a base for codecs.

``Engine`` is what every engine implements: its formats (``reads``,
``writes``), ``probe``, ``compress`` and ``decompress``. ``CodecEngine`` is
for engines built on streaming encoder and decoder objects (zlib, bz2, lzma,
zstandard): they hand those out and the shared pump in ``streams`` does the
streaming, the limits and the member policy. An engine that drives a tool or
a device (qat) implements ``compress``/``decompress`` itself.

Invariant: an engine's options are registered when it is first instantiated
(by ``manager.load_engines``), in group ``accel_<name>``, and never again:
registering empties oslo.config's cache, which glance-api shares.
"""

import abc
import dataclasses
import typing

from oslo_config import cfg

from glance_accel_import import streams

CONF = cfg.CONF


def _register_once(group: str, options: typing.Iterable) -> None:
    """Register ``options`` in ``group`` unless they already are.

    Engines are instantiated for every import task. oslo.config empties
    its whole cache on every ``register_opts``, even of options already
    there, and in glance-api that cache holds the ``enabled_backends``
    dict to which glance_store adds its reserved stores: rebuilt without
    them, it changed size under glance_store's own loop when a reverted
    import deleted its download (RuntimeError in
    ``multi_backend.delete``) and the image could not be imported again.
    """
    names = {opt.dest for opt in options}
    if group in CONF and names <= set(CONF[group]):
        return
    CONF.register_opts(list(options), group=group)


@dataclasses.dataclass(frozen=True)
class Probe:
    """What an engine found on this host."""

    available: bool
    hardware: bool
    reason: str = ''


def missing_package(package: str) -> Probe:
    """The probe of a software engine whose Python package is missing."""
    return Probe(available=False, hardware=False,
                 reason='the Python package %s is not installed' % package)


class Decoder(typing.Protocol):
    """One member or frame of a decompression, with bounded output per call.

    The interface of ``bz2.BZ2Decompressor`` and ``lzma.LZMADecompressor``;
    zlib-style objects are adapted by ``zlib_api.ZlibDecoder``. Once ``eof``
    is true, ``unused_data`` is exactly the end of the input it was given
    that lies past the member: the pump resumes there without a copy. Its
    memory must not grow with what a header claims; see
    ``[accel_decompress] max_decoder_memory``.
    """

    eof: bool
    needs_input: bool
    unused_data: bytes

    def decompress(self, data: 'bytes | memoryview',
                   max_length: int) -> bytes:
        ...


class Encoder(typing.Protocol):
    """A compression stream: the interface of ``zlib.compressobj``."""

    def compress(self, data: 'bytes | memoryview') -> bytes:
        ...

    def flush(self) -> bytes:
        ...


class Engine(abc.ABC):
    """A compression back end: formats, a probe, compress and decompress.

    Subclasses name themselves, say which formats they read and write, probe
    the host, and stream. ``compress`` is only called with a format in
    ``writes`` and ``decompress`` with one in ``reads``; each raises
    ``exception.EngineFailed`` for a fault of the engine and
    ``exception.CorruptCompressedData`` for bad data.
    """

    #: Name used in configuration, entry points and image properties.
    name: typing.ClassVar[str]
    #: True if the work is done by a device rather than the host's CPUs.
    hardware: typing.ClassVar[bool] = False
    #: Formats this engine can decompress.
    reads: typing.ClassVar[frozenset] = frozenset()
    #: Formats this engine can produce.
    writes: typing.ClassVar[frozenset] = frozenset()
    #: Rank among software engines when the operator sets no order: higher
    #: is faster. Hardware engines always come first.
    speed_rank: typing.ClassVar[int] = 0
    #: oslo.config options of this engine, in group ``option_group()``.
    #: ``opts.list_opts`` finds them through the entry point, so an engine
    #: with settings needs no edit anywhere else.
    options: typing.ClassVar[tuple] = ()

    def __init__(self) -> None:
        if self.options:
            _register_once(self.option_group(), self.options)

    @classmethod
    def option_group(cls) -> str:
        """The configuration group of this engine's ``options``."""
        return 'accel_%s' % cls.name

    @property
    def conf(self) -> typing.Any:
        """This engine's option group (registered in ``__init__``)."""
        return getattr(CONF, self.option_group())

    @abc.abstractmethod
    def probe(self) -> Probe:
        """Say whether this engine can run here, and if not, why.

        :returns: a ``Probe`` whose ``reason`` an operator can act on.
        """

    @abc.abstractmethod
    def compress(self, fmt: str, level: int, reader: 'streams.Reader',
                 sink: 'streams.Sink', chunk_size: int) -> None:
        """Compress everything ``reader`` yields into ``sink``.

        :param fmt: a format in ``writes``.
        :param level: 1 (fastest) to 9 (smallest).
        :param reader: the plain data, read in pieces.
        :param sink: where the compressed bytes go.
        :param chunk_size: bytes read at a time.
        :raises EngineFailed: the engine failed; another may start again.
        """

    @abc.abstractmethod
    def decompress(self, fmt: str, reader: 'streams.Reader',
                   sink: 'streams.Sink', chunk_size: int) -> None:
        """Decompress everything ``reader`` yields into ``sink``.

        :param fmt: a format in ``reads``.
        :param reader: the compressed data.
        :param sink: where the plain bytes go (it enforces the limits).
        :param chunk_size: bytes read at a time.
        :raises CorruptCompressedData: the data is not valid ``fmt``.
        :raises EngineFailed: the engine failed; another may start again.
        """

    def __repr__(self) -> str:
        return '<%s %s>' % (type(self).__name__, self.name)


class CodecEngine(Engine):
    """An engine built on streaming encoder and decoder objects.

    Subclasses hand out an ``Encoder`` and a ``Decoder`` per member and name
    the exceptions their decoders raise for corrupt input; the streaming,
    its limits and the member policy are ``streams.encode`` and
    ``streams.decode``. A subclass that streams faster its own way (the
    threaded gzip writer) may still override ``compress``.
    """

    #: Exceptions a decoder raises for corrupt input: a class attribute,
    #: empty when the engine's package is missing (its probe says so).
    decode_errors: typing.ClassVar[tuple] = ()

    @abc.abstractmethod
    def new_encoder(self, fmt: str, level: int) -> Encoder:
        """Return an encoder for ``fmt`` at ``level`` (1 fastest .. 9)."""

    @abc.abstractmethod
    def new_decoder(self, fmt: str) -> Decoder:
        """Return a decoder for one member or frame of ``fmt``."""

    def compress(self, fmt: str, level: int, reader: 'streams.Reader',
                 sink: 'streams.Sink', chunk_size: int) -> None:
        streams.encode(self.new_encoder(fmt, level), reader, sink,
                       chunk_size)

    def decompress(self, fmt: str, reader: 'streams.Reader',
                   sink: 'streams.Sink', chunk_size: int) -> None:
        streams.decode(lambda: self.new_decoder(fmt), self.decode_errors,
                       fmt, reader, sink, chunk_size)
