"""Writes constant.onnx: a 1×1 convolution with zero weights, so its outputs are its biases.

segmentation: [N, 3, H, W] logits (0, 1, 0): class 1 everywhere.
depth:        [N, 1, H, W] metres: 10 everywhere.
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
graph = helper.make_graph(
    [segmentation[0], depth[0]],
    "constant",
    [helper.make_tensor_value_info("images", TensorProto.FLOAT, ["N", 3, HEIGHT, WIDTH])],
    [segmentation[2], depth[2]],
    initializer=segmentation[1] + depth[1],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="panoptes-eval tests")
model.ir_version = 8
onnx.checker.check_model(model)
onnx.save(model, "constant.onnx")
