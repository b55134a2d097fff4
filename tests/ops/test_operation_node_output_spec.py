"""The shape and dtype of an operation node recorded on symbolic tensors come from running its
function on zeros broadcast from one element, or on full-size zeros where it cannot take those."""

import pytest
import torch

import lamina
from lamina import ops
from lamina.errors import ConfigurationError
from lamina.layers import keras_operations
from lamina.ops.operation import OPS, keras_op

# A float32 tensor of this shape would need 4 TiB: a full-size stand-in cannot exist.
HUGE = (2**20, 2**20)


def _eager_spec(function, *shapes_and_dtypes, batch=2):
    values = [torch.zeros((batch, *shape), dtype=dtype) for shape, dtype in shapes_and_dtypes]
    out = function(*values)
    return tuple(out.shape[1:]), out.dtype


def test_stand_ins_take_no_memory_of_their_own():
    corner = lamina.Input(HUGE)[:, :2, 3:5]
    scaled = corner * ops.cast(lamina.Input((1, 1), dtype="int32"), "float16")
    assert tuple(scaled.shape) == (None, 2, 2)
    assert scaled.dtype == torch.float32


@pytest.mark.parametrize(
    "function, operands",
    [
        (lambda a, b: a + b, [((4, 1), torch.float32), ((1, 5), torch.float32)]),
        (lambda a, b: a * b, [((3,), torch.int32), ((3,), torch.float16)]),
        (lambda a, b: a > b, [((3, 2), torch.float32), ((1, 2), torch.float32)]),
        (lambda a: ops.sum(a, axis=(1, 2)), [((3, 4, 5), torch.float32)]),
        (lambda a: ops.floor_divide(ops.cast(a, "int64"), 3), [((6,), torch.float32)]),
        (lambda a: ops.transpose(a, (0, 2, 1)), [((3, 4), torch.float16)]),
        (lambda a, b: ops.matmul(a, b), [((3, 4), torch.float32), ((4, 7), torch.float32)]),
    ],
)
def test_recorded_shape_and_dtype_match_the_eager_result(function, operands):
    symbolic_out = function(*(lamina.Input(shape, dtype=dtype) for shape, dtype in operands))
    assert (tuple(symbolic_out.shape[1:]), symbolic_out.dtype) == _eager_spec(function, *operands)
    assert symbolic_out.shape[0] is None


def test_an_axis_that_follows_the_batch_size_is_unknown():
    out = ops.reshape(lamina.Input((3, 4)), (-1,))
    assert tuple(out.shape) == (None,)


def test_functions_of_several_results_give_several_outputs():
    values, indices = ops.top_k(lamina.Input((10,)), k=3)
    assert (tuple(values.shape), values.dtype) == ((None, 3), torch.float32)
    assert tuple(indices.shape) == (None, 3)
    assert not indices.dtype.is_floating_point


def test_a_function_whose_output_depends_on_the_data_sees_zeros():
    positions = ops.nonzero(lamina.Input((4,)))
    eager = ops.nonzero(torch.zeros(2, 4))
    assert len(positions) == len(eager)


@pytest.fixture
def writes_into_its_operand():
    """An op that adds into its operand in place: a broadcast zero cannot be written to."""
    key = ("numpy", "LaminaTestAddsInPlace")

    def adds_in_place(x):
        return x.add_(1.0)

    yield keras_op(key[1], family=key[0])(adds_in_place)
    OPS.pop(key, None)
    keras_operations._SPEC_CLASSES.pop(key, None)


def test_a_function_that_writes_into_its_operand_runs_on_full_size_zeros(writes_into_its_operand):
    out = writes_into_its_operand(lamina.Input((4, 3)))
    assert (tuple(out.shape), out.dtype) == ((None, 4, 3), torch.float32)


def test_operands_that_do_not_broadcast_are_refused_at_build_time():
    with pytest.raises(ConfigurationError, match="do not broadcast"):
        lamina.Input((3,)) + lamina.Input((4,))


def test_a_model_of_recorded_nodes_computes_as_eager_code():
    x = lamina.Input((5,))
    model = lamina.Model(x, ops.relu(x * 3.0 - 1.0) + ops.mean(x, axis=-1, keepdims=True))
    data = torch.randn(4, 5)
    expected = torch.relu(data * 3.0 - 1.0) + data.mean(-1, keepdim=True)
    torch.testing.assert_close(model(data), expected)
