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

"""Print the closing line 'N passed, N failed, N skipped' from subunit."""

import sys

import subunit
import testtools


def main():
    summary = testtools.StreamSummary()
    tags = testtools.StreamTagger([summary], add=[], discard=[])
    case = subunit.ByteStreamToStreamResult(sys.stdin.buffer,
                                            non_subunit_name='stdout')
    summary.startTestRun()
    case.run(tags)
    summary.stopTestRun()
    failed = len(summary.errors) + len(summary.failures) + len(
        summary.unexpectedSuccesses)
    skipped = len(summary.skipped)
    passed = summary.testsRun - failed - skipped
    for test, reason in summary.skipped:
        print('skipped: %s: %s' % (test.id(), reason))
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))


if __name__ == '__main__':
    main()
