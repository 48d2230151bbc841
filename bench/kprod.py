"""kafka-python's contender in bench/kafka.ts: the Monolith seed's KProducer
(monolith/native_training/metric/kafka_utils.py) with acks='all', sending the lines of
a file 1,000 at a time. Prints {"seconds", "peakRssKB"} as JSON.

Run with Debian's interpreter, which sees Debian's python3-kafka:

    /usr/bin/python3 bench/kprod.py <broker> <topic> <file>
"""
import json
import queue
import resource
import sys
import threading
import time

import kafka

RECORDS_PER_SEND = 1000


class KProducer:
    """The seed's producer: send() queues lists of messages, a thread hands them to kafka-python."""

    def __init__(self, brokers, topic):
        self._topic = topic
        self._producer = kafka.KafkaProducer(bootstrap_servers=brokers, acks="all")
        self._lock = threading.RLock()
        self._has_stopped = False
        self._msg_queue = queue.Queue()
        self._total = 0
        self._success = 0
        self._failed = 0
        self._thread = threading.Thread(target=self._poll)
        self._thread.start()

    def send(self, msgs):
        if msgs is None or len(msgs) == 0:
            return
        if isinstance(msgs, (str, bytes)):
            msgs = [msgs]
        else:
            msgs = [msg for msg in msgs if msg is not None and len(msg) > 0]
        if msgs:
            self._total += len(msgs)
            self._msg_queue.put(msgs)

    def _send_batch(self, msg_batch):
        for msg in msg_batch:
            future = self._producer.send(self._topic, msg)
            future.add_callback(self._send_success)
            future.add_errback(self._send_failed)

    def _poll(self):
        while True:
            try:
                msg_batch = self._msg_queue.get(timeout=1)
            except queue.Empty:
                with self._lock:
                    if self._has_stopped:
                        break
                continue
            if msg_batch:
                self._send_batch(msg_batch)
            with self._lock:
                if self._has_stopped:
                    break

    def _flush(self):
        assert self._has_stopped
        while True:
            try:
                msg_batch = self._msg_queue.get(timeout=1)
            except queue.Empty:
                break
            self._send_batch(msg_batch)

    def close(self):
        with self._lock:
            self._has_stopped = True
        self._thread.join()
        self._flush()
        # The seed goes straight to close(timeout=1), which abandons whatever kafka-python
        # still buffers after a second; flush first so every record is delivered and timed.
        self._producer.flush()
        self._producer.close(timeout=1)

    def _send_success(self, _metadata):
        self._success += 1

    def _send_failed(self, _error):
        self._failed += 1


def main(broker, topic, path):
    started = time.perf_counter()
    producer = KProducer([broker], topic)
    with open(path, "rb") as lines:
        batch = []
        for line in lines:
            batch.append(line.rstrip(b"\n"))
            if len(batch) == RECORDS_PER_SEND:
                producer.send(batch)
                batch = []
        producer.send(batch)
    producer.close()
    seconds = time.perf_counter() - started
    peak_rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peakRssKB": peak_rss_kb}))


if __name__ == "__main__":
    main(*sys.argv[1:])
