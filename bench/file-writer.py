"""What the Monolith seed's WriteOnlyFileAndStat does, with vepfs_layout_fn, on plain
files (tf.io.gfile is a file object here): buffer batch_size laid-out lines, write
them joined, rotate after partition_size lines. Usage:
  python3 bench/file-writer.py <records.json> <count> <out dir>
Prints {"seconds": s, "bytes": n} as JSON."""
import json
import os
import sys
import time


def vepfs_layout_fn(obj) -> str:
  req_time = obj.get('__REQ_TIME__') or obj.get('req_time')
  gid = obj.get('__FEED_ID__') or obj.get('feedid') or obj.get('gid') or 'gid'
  uid = obj.get('__UID__') or obj.get('userid') or obj.get('uid') or 'uid'
  predict_scores = json.dumps(obj['predict']) if 'predict' in obj else None
  labels = json.dumps(obj['label']) if 'label' in obj else None
  return f"{req_time};{gid};{uid};{predict_scores};{labels}"


class WriteOnlyFileAndStat:

  def __init__(self, key, layout_fn, batch_size=1024, partition_size=int(1e6), file_ext='txt'):
    self.current_partition = 0
    self.current_offset = 0
    self.last_update_time = time.time()
    self.buffer = []
    self.batch_size = batch_size
    self.partition_size = partition_size
    self.layout_fn = layout_fn
    self.file_ext = file_ext
    self.key = key
    self.stream = None

  def write(self, obj):
    if len(self.buffer) >= self.batch_size:
      self.flush()
    if obj is not None:
      self.buffer.append(self.layout_fn(obj))
      self.current_offset += 1
      self.last_update_time = time.time()

  def _open(self):
    part_name = os.path.join(self.key, f'part_{self.current_partition:06d}.{self.file_ext}')
    self.stream = open(part_name, 'w+')

  def flush(self, check=True):
    if self.stream is None:
      os.makedirs(self.key, exist_ok=True)
      self._open()
    if self.buffer:
      self.stream.write('\n'.join(self.buffer))
      self.stream.write('\n')
      self.buffer = []
    self.stream.flush()
    if check and self.current_offset >= self.partition_size:
      self.current_partition += 1
      self.current_offset = 0
      self.stream.close()
      self._open()

  def close(self):
    self.flush(check=False)
    if self.stream is not None:
      os.fsync(self.stream.fileno())
      self.stream.close()
      self.stream = None


def main():
  records_path, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
  with open(records_path) as f:
    pool = json.load(f)
  started = time.perf_counter()
  writer = WriteOnlyFileAndStat(out, vepfs_layout_fn)
  n = len(pool)
  for i in range(count):
    writer.write(pool[i % n])
  writer.close()
  seconds = time.perf_counter() - started
  size = sum(os.path.getsize(os.path.join(out, p)) for p in os.listdir(out))
  print(json.dumps({'seconds': seconds, 'bytes': size}))


if __name__ == '__main__':
  main()
