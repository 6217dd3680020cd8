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

"""Early writeback: a hint the kernel takes, over every byte, in order."""

import io
import os
import threading

import fixtures
import testtools

from glance_accel_import import streams
from glance_accel_import import writeback
from glance_accel_import import zeros
from tests.unit import data

MiB = 1024 * 1024


class WritebackTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir())

    def test_the_kernel_takes_the_hint_on_a_file(self):
        if writeback._CALL is None:
            self.skipTest('no sync_file_range in this libc: the hint is off')
        with open(self.tmp.join('f'), 'wb') as f:
            f.write(data.real_bytes(MiB))
            f.flush()
            self.assertTrue(writeback.start(f.fileno(), 0, MiB))

    def test_a_pipe_refuses_quietly(self):
        read_end, write_end = os.pipe()
        self.addCleanup(os.close, read_end)
        self.addCleanup(os.close, write_end)
        self.assertFalse(writeback.start(write_end, 0, MiB))

    def test_sink_hints_every_step_of_its_output_in_order(self):
        calls = []
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.STEP', MiB))
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.start',
            lambda fd, offset, length: calls.append((offset, length))))
        payload = data.real_bytes(3 * MiB)
        path = self.tmp.join('out')
        with open(path, 'wb') as f:
            f.write(b'head')  # the sink starts where the file is
            sink = streams.Sink(f, sparse=True)
            sink.write(payload[:MiB // 2])
            sink.write(zeros.ZeroRun(2 * MiB))
            sink.write(payload)
            sink.close()
        with open(path, 'rb') as f:
            self.assertEqual(b'head' + payload[:MiB // 2] + bytes(2 * MiB)
                             + payload, f.read())
        self.assertEqual(4, calls[0][0])
        for (offset, length), (next_offset, _) in zip(calls, calls[1:]):
            self.assertEqual(offset + length, next_offset)
        self.assertGreaterEqual(calls[-1][0] + calls[-1][1],
                                4 + 5 * MiB + MiB // 2 - MiB)

    def test_a_slow_disk_never_holds_the_writer(self):
        # The hint blocks as sync_file_range does when the disk's queue is
        # full; the writer goes on, and the helper hints once it is free,
        # the newest end only.
        disk_free = threading.Event()
        calls = []

        def blocking_start(fd, offset, length):
            disk_free.wait(30)
            calls.append((offset, length))

        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.STEP', MiB))
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.start', blocking_start))
        with open(self.tmp.join('out'), 'wb') as f:
            tracker = writeback.Tracker(f)
            for step in range(1, 6):
                f.write(bytes(MiB))
                tracker.wrote(step * MiB)
            self.assertEqual([], calls)  # all five steps written meanwhile
            disk_free.set()
            tracker.close()
        # Fewer hints than steps: what was told while one waited became
        # one range; together they cover the file, in order.
        self.assertLess(len(calls), 5)
        self.assertEqual(0, calls[0][0])
        for (offset, length), (next_offset, _) in zip(calls, calls[1:]):
            self.assertEqual(offset + length, next_offset)
        self.assertEqual(5 * MiB, sum(length for _, length in calls))

    def test_close_stops_the_helper_and_its_descriptor(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.STEP', MiB))
        before = len(os.listdir('/proc/self/fd'))
        threads = threading.active_count()
        with open(self.tmp.join('out'), 'wb') as f:
            tracker = writeback.Tracker(f)
            f.write(bytes(2 * MiB))
            tracker.wrote(2 * MiB)
            self.assertEqual(threads + 1, threading.active_count())
            tracker.close()
            tracker.close()  # twice is harmless
        self.assertEqual(threads, threading.active_count())
        self.assertEqual(before, len(os.listdir('/proc/self/fd')))

    def test_a_failed_sink_still_stops_the_helper(self):
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.STEP', MiB))
        threads = threading.active_count()
        with open(self.tmp.join('out'), 'wb') as f:
            sink = streams.Sink(f, background=True)
            sink.write(data.real_bytes(2 * MiB))
            sink.write(zeros.ZeroRun(MiB))
            sink._worker._consume = lambda item: 1 / 0  # the disk fails
            sink.write(b'x')
            self.assertRaises(ZeroDivisionError, sink.close)
        self.assertEqual(threads, threading.active_count())

    def test_unseekable_output_gets_no_hint(self):
        calls = []
        self.useFixture(fixtures.MonkeyPatch(
            'glance_accel_import.writeback.start',
            lambda *args: calls.append(args)))
        out = io.BytesIO()
        sink = streams.Sink(out)
        sink.write(bytes(20 * MiB))
        sink.close()
        self.assertEqual(20 * MiB, len(out.getvalue()))
        self.assertEqual([], calls)
