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

"""atheris fuzz target: format detection and the decompress path.

Any input may be thrown at us: detection must not fail, and every engine that
reads the detected format must reach the reference engine's verdict (the
same bytes, or the same AccelImportError) without any other exception, with
bounded output. Run it with ``tox -e fuzz`` (not part of CI); a crash it
finds gets a regression test in tests/unit and a fix.

    python tests/fuzz/fuzz_decompress.py -max_total_time=600 [corpus dir]
"""

import os
import sys

import atheris

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))

with atheris.instrument_imports():
    from glance_accel_import.engines import manager
    from glance_accel_import import formats
    from tests.unit import verdict

ENGINES = {name: engine for name, engine in manager.load_engines().items()
           if engine.probe().available}
LIMIT = 4 * 1024 * 1024


def test_one_input(payload):
    fmt = formats.detect_compression(payload[:16])
    readers = {name: e for name, e in ENGINES.items() if fmt in e.reads}
    if not readers:
        return
    reference = verdict.decompress_verdict(readers.get('stdlib') or next(
        iter(readers.values())), fmt, payload, 4096, limit=LIMIT)
    for name, engine in readers.items():
        for read_size in (None, 3):
            result = verdict.decompress_verdict(engine, fmt, payload, 4096,
                                                limit=LIMIT,
                                                read_size=read_size)
            if result != reference:
                raise AssertionError('engine %s gave %r, reference %r'
                                     % (name, result, reference))


def main():
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == '__main__':
    main()
