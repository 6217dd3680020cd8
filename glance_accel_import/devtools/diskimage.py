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

"""Build a real disk image: an ext4 filesystem filled from a directory tree.

Used by the demo (and the benchmark) so that compression is measured on what
volumes hold: real files, metadata, and a lot of never-written space.
"""

import os
import shutil
import subprocess
import sys
import tempfile

from oslo_utils import units


def default_source_tree():
    """Python's own library: real text and binaries on every host."""
    return os.path.dirname(os.__file__)


def _copy_some_files(source_tree, dest, data_limit):
    """Copy regular files from ``source_tree`` until ``data_limit`` bytes."""
    copied = 0
    for dirpath, dirnames, filenames in os.walk(source_tree):
        dirnames.sort()
        rel = os.path.relpath(dirpath, source_tree)
        for name in sorted(filenames):
            src = os.path.join(dirpath, name)
            if os.path.islink(src) or not os.path.isfile(src):
                continue
            size = os.path.getsize(src)
            if copied + size > data_limit:
                continue
            target_dir = os.path.join(dest, rel)
            os.makedirs(target_dir, exist_ok=True)
            shutil.copyfile(src, os.path.join(target_dir, name))
            copied += size
            if copied >= data_limit * 0.98:
                return copied
    return copied


def build_ext4_image(path, size, source_tree=None, data_fraction=0.4):
    """Create a sparse ext4 image of ``size`` bytes at ``path``.

    About ``data_fraction`` of it is filled with files copied from
    ``source_tree``, or shared evenly by a list of trees. Returns the number
    of file bytes copied in.
    """
    mkfs = shutil.which('mkfs.ext4') or '/sbin/mkfs.ext4'
    if not os.path.exists(mkfs):
        raise RuntimeError('mkfs.ext4 not found (Debian: e2fsprogs)')
    source_tree = source_tree or default_source_tree()
    with tempfile.TemporaryDirectory(dir=os.path.dirname(path) or '.') as tree:
        trees = ([source_tree] if isinstance(source_tree, str)
                 else list(source_tree))
        share = int(size * data_fraction) // len(trees)
        copied = sum(_copy_some_files(
            src, tree if len(trees) == 1 else os.path.join(tree, str(n)),
            share) for n, src in enumerate(trees))
        with open(path, 'wb') as f:
            f.truncate(size)
        result = subprocess.run(
            [mkfs, '-q', '-F', '-t', 'ext4', '-L', 'demo',
             '-E', 'root_owner=0:0', '-d', tree, path],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode:
        raise RuntimeError('mkfs.ext4 failed: %s' % result.stdout.strip())
    return copied


if __name__ == '__main__':
    print(build_ext4_image(sys.argv[1], int(sys.argv[2]) * units.Mi))
