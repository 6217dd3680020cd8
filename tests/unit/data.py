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

"""Real test data: bytes of files that ship with Python, not random noise."""

import functools
import gzip
import hashlib
import os
import subprocess
import sys


@functools.lru_cache()
def real_bytes(size):
    """``size`` bytes of real, compressible data (the stdlib's sources)."""
    out = bytearray()
    root = os.path.dirname(os.__file__)
    for dirpath, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            if len(out) >= size:
                return bytes(out[:size])
            path = os.path.join(dirpath, name)
            if os.path.isfile(path) and not os.path.islink(path):
                with open(path, 'rb') as f:
                    out += f.read(size - len(out))
    raise RuntimeError('not enough data under %s' % sys.prefix)


BLOCK_SHA256_BLOCK = 4 * 1024 * 1024


def _outer_sha256(blocks):
    return hashlib.sha256(b''.join(
        hashlib.sha256(block).digest() for block in blocks)).hexdigest()


def block_sha256(plain):
    """The block digest, written out plainly from its definition."""
    step = BLOCK_SHA256_BLOCK
    return _outer_sha256(plain[i:i + step] for i in range(0, len(plain), step))


def block_sha256_of_file(path):
    with open(path, 'rb') as f:
        return _outer_sha256(iter(lambda: f.read(BLOCK_SHA256_BLOCK), b''))


def read_file(path):
    with open(path, 'rb') as f:
        return f.read()


def multi_member_gzip(data, members):
    """Gzip ``data`` as ``members`` concatenated members (as QAT writes)."""
    step = -(-len(data) // members)
    return b''.join(gzip.compress(data[i:i + step], mtime=0)
                    for i in range(0, len(data), step))


def gzip_cli(data):
    """Compress with the real gzip command."""
    return subprocess.run(['gzip', '-c', '-6'], input=data,
                          stdout=subprocess.PIPE, check=True).stdout


def qemu_img(*args):
    """Run the real qemu-img; the caller skips if it is missing."""
    subprocess.run(('qemu-img',) + args, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def have_qemu_img():
    try:
        qemu_img('--version')
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def make_qcow2(path, size='64M', backing=None, data_file=None):
    """Build a real qcow2 with qemu-img, holding some real data."""
    args = ['create', '-f', 'qcow2']
    if backing:
        args += ['-b', backing, '-F', 'raw']
    if data_file:
        args += ['-o', 'data_file=%s' % data_file]
    qemu_img(*args, path, size)
    raw = path + '.src'
    with open(raw, 'wb') as f:
        f.write(real_bytes(1024 * 1024))
    if not backing and not data_file:
        qemu_img('convert', '-f', 'raw', '-O', 'qcow2', raw, path)
        qemu_img('resize', '-f', 'qcow2', path, size)
    os.remove(raw)
    with open(path, 'rb') as f:
        return f.read()
