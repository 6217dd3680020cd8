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

"""The benchmark's inputs: one real volume in the shapes volumes come in.

``sparse`` is an ext4 image filled from a real directory tree, as a file
with holes; ``dense`` is the same bytes with every zero written out (what a
block device or a copied image looks like); ``large`` holds the same data in
a volume four times larger, sparse.
"""

import dataclasses
import os
import subprocess

from glance_accel_import.devtools import diskimage

LARGE_FACTOR = 4


@dataclasses.dataclass(frozen=True)
class Volume:
    name: str
    path: str

    @property
    def apparent(self):
        return os.path.getsize(self.path)

    @property
    def allocated(self):
        return os.stat(self.path).st_blocks * 512


def _build(path, size, source_tree, data_bytes):
    if not os.path.exists(path):
        diskimage.build_ext4_image(path + '.tmp', size, source_tree,
                                   data_fraction=data_bytes / size)
        os.replace(path + '.tmp', path)
    return path


def build(workdir, size, source_tree, data_fraction):
    """Build (or reuse) the three volumes in ``workdir``."""
    os.makedirs(workdir, exist_ok=True)
    data_bytes = int(size * data_fraction)
    sparse = _build(os.path.join(workdir, 'sparse.img'), size,
                    source_tree, data_bytes)
    dense = os.path.join(workdir, 'dense.img')
    if not os.path.exists(dense):
        subprocess.run(['cp', '--sparse=never', sparse, dense + '.tmp'],
                       check=True)
        os.replace(dense + '.tmp', dense)
    large = _build(os.path.join(workdir, 'large.img'), size * LARGE_FACTOR,
                   source_tree, data_bytes)
    return [Volume('sparse', sparse), Volume('dense', dense),
            Volume('large', large)]


def default_source_tree():
    """A real tree with gigabytes of mixed files on any Debian host."""
    if os.path.isdir('/usr/lib'):
        return '/usr'
    return diskimage.default_source_tree()
