"""The shape and dtype of an operation node recorded on symbolic tensors come from running its
function on meta stand-ins (no data), or on zeros where the function needs values."""

import pytest
import torch

import lamina
from lamina import ops
from lamina.errors import ConfigurationError

# A float32 tensor of this shape would need 4 TiB: a stand-in on real memory cannot exist.
HUGE = (2**20, 2**20)


def _eager_spec(function, *shapes_and_dtypes, batch=2):
    values = [torch.zeros((batch, *shape), dtype=dtype) for shape, dtype in shapes_and_dtypes]
    out = function(*values)
    return tuple(out.shape[1:]), out.dtype


def test_operators_on_huge_symbolic_tensors_allocate_nothing():
    x, y = lamina.Input(HUGE), lamina.Input(HUGE)
    total = x + y * 2.0 - ops.mean(x, axis=-1, keepdims=True)
    assert tuple(total.shape) == (None, *HUGE)
    assert total.dtype == torch.float32


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


def test_a_function_that_needs_values_runs_on_zeros():
    # nonzero's output length depends on the data: meta tensors cannot answer it.
    positions = ops.nonzero(lamina.Input((4,)))
    eager = ops.nonzero(torch.zeros(2, 4))
    assert len(positions) == len(eager)


def test_inverting_a_symbolic_matrix_records_a_node():
    # zeros stand-ins are singular matrices, so inverting them used to fail
    inverse = ops.linalg.inv(lamina.Input((3, 3)))
    assert tuple(inverse.shape) == (None, 3, 3)


def test_operands_that_do_not_broadcast_are_refused_at_build_time():
    with pytest.raises(ConfigurationError, match="do not broadcast"):
        lamina.Input((3,)) + lamina.Input((4,))


def test_a_model_of_recorded_nodes_computes_as_eager_code():
    x = lamina.Input((5,))
    model = lamina.Model(x, ops.relu(x * 3.0 - 1.0) + ops.mean(x, axis=-1, keepdims=True))
    data = torch.randn(4, 5)
    expected = torch.relu(data * 3.0 - 1.0) + data.mean(-1, keepdim=True)
    torch.testing.assert_close(model(data), expected)
