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

"""The disk floor of a decompression: write its data and nothing else.

``python -m glance_accel_import.devtools.bench.write_floor BYTES DST``
writes BYTES bytes of incompressible data to DST and fsyncs it, starting
the writeback as it goes as our own output does (``writeback``). No
decompressor that writes that much data to that disk can finish sooner,
so a decompression whose time is close to this one waits for the disk,
not for the codec. The bench runs it with the bytes our decompressed
output allocated.
"""

import os
import sys

from glance_accel_import import writeback

CHUNK = 4 * 1024 * 1024


def write(count, path):
    """Write ``count`` incompressible bytes to ``path`` and fsync them."""
    data = memoryview(os.urandom(CHUNK))
    with open(path, 'wb') as f:
        tracker = writeback.Tracker(f)
        done = 0
        while done < count:
            done += f.write(data[:min(CHUNK, count - done)])
            tracker.wrote(done)
        tracker.close()
        f.flush()
        os.fsync(f.fileno())


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or not argv[0].isdigit():
        sys.exit('usage: write_floor BYTES DST')
    write(int(argv[0]), argv[1])


if __name__ == '__main__':
    main()
