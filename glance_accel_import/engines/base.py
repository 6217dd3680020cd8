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

"""The contract every compression engine fulfils."""

import abc
import dataclasses
import typing

from oslo_config import cfg

from glance_accel_import import streams

CONF = cfg.CONF


@dataclasses.dataclass(frozen=True)
class Probe:
    """What an engine found on this host."""

    available: bool
    hardware: bool
    reason: str = ''


def missing_package(package):
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

    def decompress(self, data: bytes, max_length: int) -> bytes:
        ...


class Encoder(typing.Protocol):
    """A compression stream: the interface of ``zlib.compressobj``."""

    def compress(self, data: bytes) -> bytes:
        ...

    def flush(self) -> bytes:
        ...


class Engine(abc.ABC):
    """A compression back end.

    Subclasses name themselves, say which formats they read and write, probe
    the host, and hand out encoders and decoders. The streaming itself, with
    its limits and checks, lives once in ``glance_accel_import.streams``; an
    engine that streams differently (a hardware tool, a threaded codec)
    overrides ``compress`` or ``decompress``.
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
    #: Exceptions a decoder raises for corrupt input.
    decode_errors: typing.ClassVar[tuple] = ()
    #: oslo.config options of this engine, in group ``option_group()``.
    #: ``opts.list_opts`` finds them through the entry point, so an engine
    #: with settings needs no edit anywhere else.
    options: typing.ClassVar[tuple] = ()

    @classmethod
    def option_group(cls):
        return 'accel_%s' % cls.name

    @property
    def conf(self):
        """This engine's option group, registered on first use."""
        group = self.option_group()
        CONF.register_opts(list(self.options), group=group)
        return getattr(CONF, group)

    @abc.abstractmethod
    def probe(self) -> Probe:
        """Say whether this engine can run here, and if not, why."""

    @abc.abstractmethod
    def new_encoder(self, fmt: str, level: int) -> Encoder:
        """Return an encoder for ``fmt`` at ``level`` (1 fastest .. 9)."""

    @abc.abstractmethod
    def new_decoder(self, fmt: str) -> Decoder:
        """Return a decoder for one member or frame of ``fmt``."""

    def compress(self, fmt, level, reader, sink, chunk_size):
        """Compress everything ``reader`` yields into ``sink``."""
        streams.encode(self.new_encoder(fmt, level), reader, sink,
                       chunk_size)

    def decompress(self, fmt, reader, sink, chunk_size):
        """Decompress everything ``reader`` yields into ``sink``."""
        streams.decode(lambda: self.new_decoder(fmt), self.decode_errors,
                       fmt, reader, sink, chunk_size)

    def __repr__(self):
        return '<%s %s>' % (type(self).__name__, self.name)
