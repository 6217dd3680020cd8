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
