"""The training loop: AdamW with a warm-up and a cosine decay over a wall-clock budget (the
machine is shared, so a step count would not bound the time), flips and colour jitter."""

import time

import numpy as np
import torch

from .data import CachedSet
from .losses import total_loss
from .model import PanoptesNet
from .spec import DETECTION_CLASSES, MEAN, SEGMENTATION_CLASSES, STD


def normalise(images):
    """uint8 [N, 3, H, W] → the model's input, exactly as the manifest's [input] says."""
    return (images.float() / 255.0 - MEAN) / STD


def jitter(images, generator):
    """Per-image brightness and contrast in float pixels (0–255)."""
    n = images.shape[0]
    gain = 0.75 + 0.5 * torch.rand(n, 1, 1, 1, generator=generator)
    bias = 20.0 * (torch.rand(n, 1, 1, 1, generator=generator) - 0.5)
    mean = images.mean(dim=(1, 2, 3), keepdim=True)
    return ((images - mean) * gain + mean + bias).clamp(0, 255)


def class_weights(dataset, samples=200):
    """Square-root inverse class frequency, normalised to mean 1 and clipped: small classes
    (poles, cones, people) count more without drowning the large ones."""
    picks = np.linspace(0, len(dataset) - 1, min(samples, len(dataset))).astype(np.int64)
    counts = np.bincount(
        np.concatenate([dataset.segmentation[i].ravel() for i in picks]), minlength=len(SEGMENTATION_CLASSES)
    ).astype(np.float64)
    frequency = counts / counts.sum()
    weights = 1.0 / np.sqrt(np.maximum(frequency, 1e-4))
    weights = np.clip(weights / weights.mean(), 0.2, 5.0)
    return torch.tensor(weights, dtype=torch.float32)


def detection_class_weights(dataset):
    """The same square-root inverse frequency over the detection classes' boxes (cyclists and
    buses are a few percent of them and would otherwise be called pedestrians and trucks)."""
    valid = dataset.boxes[..., 5] > 0
    counts = np.bincount(dataset.boxes[..., 0][valid].astype(np.int64), minlength=len(DETECTION_CLASSES))
    frequency = counts / max(counts.sum(), 1)
    weights = 1.0 / np.sqrt(np.maximum(frequency, 1e-3))
    weights = np.clip(weights / weights.mean(), 0.5, 2.0)
    return torch.tensor(weights, dtype=torch.float32)


def repeat_factors(dataset, threshold=0.3):
    """LVIS repeat-factor sampling: an image is drawn max(1, sqrt(t / f)) times as often, f the
    fraction of images that hold its rarest detection class."""
    valid = dataset.boxes[..., 5] > 0
    classes = dataset.boxes[..., 0].astype(np.int64)
    present = np.stack([(valid & (classes == c)).any(1) for c in range(len(DETECTION_CLASSES))], 1)
    fraction = np.maximum(present.mean(0), 1e-6)
    factor = np.maximum(1.0, np.sqrt(threshold / fraction))
    return torch.tensor(np.where(present, factor[None, :], 1.0).max(1), dtype=torch.float64)


def train(cache_dir, tasks, minutes, log, batch_size=8, learning_rate=3e-3, seed=0):
    """Trains a model with the heads in `tasks` for `minutes` of wall clock; returns it."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    dataset = CachedSet(cache_dir)
    weights = {"segmentation": class_weights(dataset), "detection": detection_class_weights(dataset)}
    sampling = repeat_factors(dataset)
    # Channels-last convolutions run about a third faster with oneDNN on this CPU.
    model = PanoptesNet(tasks).to(memory_format=torch.channels_last)
    parameters = sum(p.numel() for p in model.parameters())
    log(f"training {'+'.join(tasks)}: {parameters / 1e6:.2f} M parameters, {len(dataset)} images, {minutes} min")
    optimiser = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=1e-4)
    budget = minutes * 60.0
    warmup = 0.03
    start = time.monotonic()
    step = 0
    running = {}
    model.train()
    while True:
        progress = (time.monotonic() - start) / budget
        if progress >= 1.0:
            break
        scale = progress / warmup if progress < warmup else 0.5 * (1 + np.cos(np.pi * (progress - warmup) / (1 - warmup)))
        for group in optimiser.param_groups:
            group["lr"] = learning_rate * max(scale, 0.01)
        indices = torch.multinomial(sampling, batch_size, replacement=True, generator=generator).tolist()
        flips = (torch.rand(batch_size, generator=generator) < 0.5).tolist()
        batch = dataset.batch(indices, flips)
        images = normalise(jitter(batch["images"].float(), generator)).contiguous(memory_format=torch.channels_last)
        loss, parts = total_loss(model(images), batch, weights)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        optimiser.step()
        step += 1
        for name, value in parts.items():
            running[name] = 0.95 * running.get(name, value) + 0.05 * value
        if step % 25 == 0:
            summary = " ".join(f"{name} {value:.3f}" for name, value in running.items())
            elapsed = time.monotonic() - start
            log(f"step {step} ({elapsed / 60:.1f} min, {step * batch_size / elapsed:.1f} img/s): {summary}")
    model = model.to(memory_format=torch.contiguous_format).eval()
    log(f"trained {'+'.join(tasks)}: {step} steps of {batch_size} in {(time.monotonic() - start) / 60:.1f} min")
    return model, {"steps": step, "batch": batch_size, "minutes": minutes, "parameters": parameters, "loss": running}
