"""Writes constant.onnx: a 1×1 convolution with zero weights, so its outputs are its biases.

segmentation: [N, 3, H, W] logits (0, 1, 0): class 1 everywhere.
depth:        [N, 1, H, W] metres: 10 everywhere.
detections:   [N, 4, 58] in our own format (cx, cy, w, h in model pixels, objectness, classes
              car and pedestrian, 17 × (x, y, visibility)): four identical rows, a pedestrian
              at (16, 18) sized 16 × 24 with score 0.9 and every keypoint at (16, 18).
Input images: [N, 3, 36, 64], dynamic batch. Run with the `onnx` package (1.17):
    python make_constant_model.py
"""

import onnx
from onnx import TensorProto, helper

WIDTH, HEIGHT = 64, 36


def constant_convolution(name, channels, biases):
    weight = helper.make_tensor(f"{name}_weight", TensorProto.FLOAT, [channels, 3, 1, 1], [0.0] * channels * 3)
    bias = helper.make_tensor(f"{name}_bias", TensorProto.FLOAT, [channels], biases)
    node = helper.make_node("Conv", ["images", f"{name}_weight", f"{name}_bias"], [name])
    output = helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", channels, HEIGHT, WIDTH])
    return node, [weight, bias], output


segmentation = constant_convolution("segmentation", 3, [0.0, 1.0, 0.0])
depth = constant_convolution("depth", 1, [10.0])

# Detections: a [N, 1, 1] zero (from the input, for the batch size) plus a constant row table.
ROWS, KEYPOINTS = 4, 17
row = [16.0, 18.0, 16.0, 24.0, 1.0, 0.0, 0.9] + [16.0, 18.0, 0.9] * KEYPOINTS
detection_nodes = [
    helper.make_node("ReduceMean", ["images"], ["mean"], axes=[1, 2, 3], keepdims=1),
    helper.make_node("Mul", ["mean", "zero"], ["zeros"]),
    helper.make_node("Reshape", ["zeros", "batch_shape"], ["batch_zeros"]),
    helper.make_node("Add", ["batch_zeros", "rows"], ["detections"]),
]
detection_initializers = [
    helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0]),
    helper.make_tensor("batch_shape", TensorProto.INT64, [3], [-1, 1, 1]),
    helper.make_tensor("rows", TensorProto.FLOAT, [1, ROWS, len(row)], row * ROWS),
]
detections = helper.make_tensor_value_info("detections", TensorProto.FLOAT, ["N", ROWS, len(row)])

graph = helper.make_graph(
    [segmentation[0], depth[0]] + detection_nodes,
    "constant",
    [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, HEIGHT, WIDTH])],
    [segmentation[2], depth[2], detections],
    initializer=segmentation[1] + depth[1] + detection_initializers,
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="panoptes-eval tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "constant.onnx")
