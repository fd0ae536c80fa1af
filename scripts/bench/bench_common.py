"""What the Python sides of the benchmarks share: the CPU's description and a decode clock."""

import time


def cpu_flags():
    """The CPU's feature flags (/proc/cpuinfo), e.g. to see whether AVX-512 kernels can run."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def decode_clock():
    """A transformers streamer that timestamps each put(): times[0] is the prompt, then one per
    new token, so times[1] marks the end of the prefill."""
    from transformers.generation.streamers import BaseStreamer

    class Clock(BaseStreamer):
        def __init__(self):
            self.times = []

        def put(self, value):
            self.times.append(time.perf_counter())

        def end(self):
            pass

    return Clock()


def timed_training_steps(model, optimizer, vocab, batch, seq, steps):
    """Seconds of each of `steps` forward + backward + optimizer steps on random token batches
    (labels = inputs, every token but the first a target), after one untimed warm-up step."""
    import torch
    seconds = []
    for step in range(steps + 1):
        ids = torch.randint(0, vocab, (batch, seq))
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        model(input_ids=ids, labels=ids).loss.backward()
        optimizer.step()
        if step > 0:
            seconds.append(time.perf_counter() - start)
    return seconds
