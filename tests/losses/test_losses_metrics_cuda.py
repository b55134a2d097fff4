"""On a CUDA device: losses and metric updates match the CPU and never sync with the host."""

import pytest
import torch

from lamina import losses, metrics

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

BATCH, CLASSES = 64, 10


def _data(device):
    generator = torch.Generator().manual_seed(0)
    logits = torch.randn(BATCH, CLASSES, generator=generator)
    labels = torch.randint(0, CLASSES, (BATCH,), generator=generator)
    targets = torch.randn(BATCH, 3, generator=generator)
    outputs = torch.randn(BATCH, 3, generator=generator)
    weights = torch.rand(BATCH, generator=generator)
    return [x.to(device) for x in (logits, labels, targets, outputs, weights)]


def _loss_cases(device):
    logits, labels, targets, outputs, weights = _data(device)
    probs = logits.softmax(-1)
    one_hot = torch.nn.functional.one_hot(labels, CLASSES).float()
    binary = (targets > 0).float()
    ignored = torch.where(labels == 3, -1, labels)
    return [
        (losses.SparseCategoricalCrossentropy(from_logits=True), labels, logits, None),
        (losses.SparseCategoricalCrossentropy(), labels.float().unsqueeze(-1), probs, None),
        (losses.SparseCategoricalCrossentropy(from_logits=True), labels, logits, weights),
        (
            losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
            ignored,
            logits,
            None,
        ),
        (losses.CategoricalCrossentropy(label_smoothing=0.1), one_hot, probs, weights),
        (losses.BinaryCrossentropy(), binary, outputs.sigmoid(), None),
        (losses.BinaryCrossentropy(from_logits=True), binary, outputs, weights),
        (losses.MeanSquaredError(), targets, outputs, None),
        (losses.MeanAbsoluteError(reduction="sum"), targets, outputs, weights),
        (losses.Huber(delta=0.5, reduction="mean_with_sample_weight"), targets, outputs, weights),
    ]


def test_losses_match_cpu_and_do_not_sync():
    cpu_values = [loss(y, p, w) for loss, y, p, w in _loss_cases("cpu")]
    cases = _loss_cases("cuda")
    for loss, y, p, w in cases:  # warm up kernels and lazy initialisation
        loss(y, p.requires_grad_(True), w).backward()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        gpu_values = []
        for loss, y, p, w in cases:
            value = loss(y, p, w)
            value.backward()
            gpu_values.append(value.detach())
    finally:
        torch.cuda.set_sync_debug_mode("default")
    for cpu, gpu in zip(cpu_values, gpu_values):
        assert gpu.device.type == "cuda"
        torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-5, atol=1e-6)


def test_metric_updates_stay_on_the_gpu_and_do_not_sync():
    logits, labels, targets, outputs, weights = _data("cuda")
    one_hot = torch.nn.functional.one_hot(labels, CLASSES).float()
    binary = (targets > 0).float()
    updates = [
        (metrics.SparseCategoricalAccuracy(), (labels, logits)),
        (metrics.SparseCategoricalAccuracy(), (labels.unsqueeze(-1).float(), logits, weights)),
        (metrics.CategoricalAccuracy(), (one_hot, logits, weights)),
        (metrics.BinaryAccuracy(), (binary, outputs.sigmoid())),
        (metrics.MeanSquaredError(), (targets, outputs, weights)),
        (metrics.MeanAbsoluteError(), (targets, outputs)),
        (metrics.Mean(name="loss"), (logits.mean(), BATCH)),
    ]
    references = []
    for metric, args in updates:
        reference = type(metric)(name=metric.name)
        reference.update_state(*[a.cpu() if torch.is_tensor(a) else a for a in args])
        references.append(float(reference.result()))
        metric.to("cuda")
        metric.update_state(*args)  # warm up
        metric.reset_state()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        results = []
        for metric, args in updates:
            metric.update_state(*args)
            results.append(metric.result())
    finally:
        torch.cuda.set_sync_debug_mode("default")
    for (metric, _), result, reference in zip(updates, results, references):
        assert result.device.type == "cuda"
        assert all(v.device.type == "cuda" for v in metric.variables)
        assert float(result) == pytest.approx(reference, rel=1e-5, abs=1e-6), metric.name


def test_metric_state_round_trips_between_devices():
    logits, labels, *_ = _data("cuda")
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state(labels, logits)  # adopts the GPU
    assert metric.device.type == "cuda"
    saved = metric.state_dict()
    on_cpu = metrics.SparseCategoricalAccuracy().to("cpu")
    on_cpu.load_state_dict(saved)
    assert on_cpu.total.device.type == "cpu"
    assert float(on_cpu.result()) == pytest.approx(float(metric.result()))
    metric.reset_state()
    metric.load_state_dict({name: value.cpu() for name, value in saved.items()})
    assert metric.total.device.type == "cuda"
    assert float(metric.result()) == pytest.approx(float(on_cpu.result()))
