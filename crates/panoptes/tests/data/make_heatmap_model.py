"""Writes heatmap.onnx: a heatmap keypoint head whose output is a constant with known peaks.

heatmaps: [N, 17, 9, 16] (stride 4 of a 64 × 36 input). Channel k peaks at 0.9 in cell
          (x, y) = (1 + 2 (k mod 7), 1 + 3 (k div 7)), with 0.5 left and 0.3 right of the peak
          (a parabola through them puts the peak 0.1 cell left of the cell's centre) and 0
          elsewhere; channel 16 peaks at 0.1 only, below the manifest's threshold.
Input images: [N, 3, 36, 64], dynamic batch. Run with the `onnx` package (1.17 or later):
    python make_heatmap_model.py
"""

import onnx
from onnx import TensorProto, helper

WIDTH, HEIGHT, STRIDE, KEYPOINTS = 64, 36, 4, 17
COLUMNS, ROWS = WIDTH // STRIDE, HEIGHT // STRIDE


def peak(channel):
    return 1 + 2 * (channel % 7), 1 + 3 * (channel // 7)


values = [0.0] * (KEYPOINTS * ROWS * COLUMNS)
for channel in range(KEYPOINTS):
    x, y = peak(channel)
    top = 0.9 if channel < KEYPOINTS - 1 else 0.1
    base = channel * ROWS * COLUMNS + y * COLUMNS
    values[base + x] = top
    if channel < KEYPOINTS - 1:
        values[base + x - 1] = 0.5
        values[base + x + 1] = 0.3

# A [N, 1, 1, 1] zero taken from the input (for the batch size) plus the constant heatmaps.
nodes = [
    helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=1),
    helper.make_node("Mul", ["mean", "zero"], ["zeros"]),
    helper.make_node("Add", ["zeros", "peaks"], ["heatmaps"]),
]
initializers = [
    helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
    helper.make_tensor("peaks", TensorProto.FLOAT, [1, KEYPOINTS, ROWS, COLUMNS], values),
]
graph = helper.make_graph(
    nodes,
    "heatmap",
    [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, HEIGHT, WIDTH])],
    [helper.make_tensor_value_info("heatmaps", TensorProto.FLOAT, ["N", KEYPOINTS, ROWS, COLUMNS])],
    initializer=initializers,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "heatmap.onnx")
