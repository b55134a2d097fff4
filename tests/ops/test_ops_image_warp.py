"""The sampling and filtering ops of ``lamina.ops.image`` (affine/perspective/elastic warps,
map_coordinates, scale_and_translate, gaussian_blur, sobel_edges, ssim, 3-D patches) and
``ops.nn.ctc_decode(strategy="beam_search")`` against Keras 3 itself.

Transforms use dyadic values (exact in float32), so sample points and interpolation weights
are the same bits in both libraries and no nearest-rounding tie can go either way.
"""

import keras
import numpy as np
import pytest
import torch
from oracle import assert_matches, rand

from lamina import ops

R = rand
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
AFFINE = np.array([[1.25, 0.25, -1.5, -0.5, 0.75, 2.0, 0, 0], [0.5, 0, 1.0, 0, 2.0, -3.0, 0, 0]], "float32")
START = np.array([[0, 0], [8, 0], [8, 6], [0, 6]], "float32")
END = np.array([[1, 0.5], [7, 1], [8, 5], [0.5, 6]], "float32")
COORDS = R((3, 4, 5), low=-2, high=7)

CASES = [
    *[("affine_transform", (R((2, 7, 9, 3)), AFFINE),
       {"interpolation": interpolation, "fill_mode": fill_mode, "fill_value": 0.5, "data_format": "channels_last"})
      for fill_mode in FILL_MODES for interpolation in ("nearest", "bilinear")],
    ("affine_transform", (R((3, 7, 9)), AFFINE[0]), {"data_format": "channels_first"}),
    ("affine_transform", (R((2, 7, 9, 2), "float64"), AFFINE.astype("float64")), {"data_format": "channels_last"}),
    ("affine_transform", (R((2, 7, 9, 2), "int32", low=0, high=200), AFFINE), {"data_format": "channels_last"}),
    *[("map_coordinates", (R((5, 6, 4)), COORDS, order), {"fill_mode": fill_mode, "fill_value": -1.0})
      for fill_mode in FILL_MODES for order in (0, 1)],
    ("map_coordinates", (R((6, 7), "float64"), R((2, 3, 3), "float64", low=-1, high=8), 1), {}),
    ("map_coordinates", (R((6, 7), "int32", low=0, high=50), R((2, 4), low=0, high=6), 1), {"fill_mode": "wrap"}),
    ("perspective_transform", (R((2, 7, 9, 3)), START, END), {"data_format": "channels_last"}),
    ("perspective_transform", (R((2, 3, 7, 9)), np.stack([START, START]), np.stack([END, START + 0.25])),
     {"interpolation": "nearest", "data_format": "channels_first", "fill_value": 0.25}),
    ("perspective_transform", (R((7, 9, 2), "float64"), START, END), {"data_format": "channels_last"}),
    ("gaussian_blur", (R((2, 8, 9, 3)),), {"data_format": "channels_last"}),
    ("gaussian_blur", (R((8, 9, 2)),), {"kernel_size": (5, 5), "sigma": (2.0, 2.0), "data_format": "channels_last"}),
    ("gaussian_blur", (R((2, 3, 8, 9), "float64"), (5, 5), (1.5, 0.7)), {"data_format": "channels_first"}),
    ("sobel_edges", (R((2, 8, 9, 3)),), {"data_format": "channels_last"}),
    ("sobel_edges", (R((2, 3, 8, 9), "float64"),), {"data_format": "channels_first"}),
    ("ssim", (R((2, 16, 17, 3), low=0, high=1), R((2, 16, 17, 3), low=0, high=1, seed=3)),
     {"data_format": "channels_last"}),
    ("ssim", (R((3, 16, 17), "float64", low=0, high=1), R((3, 16, 17), "float64", low=0, high=1, seed=3)),
     {"filter_size": 5, "filter_sigma": 1.0, "max_val": 2.0, "data_format": "channels_first"}),
    ("extract_patches_3d", (R((2, 6, 7, 8, 3)), (2, 3, 2)), {"data_format": "channels_last"}),
    ("extract_patches_3d", (R((6, 7, 8, 3)), 3), {"strides": (1, 2, 2), "padding": "same", "data_format": "channels_last"}),
    ("extract_patches_3d", (R((2, 3, 6, 7, 8)), (2, 2, 3)),
     {"dilation_rate": 2, "strides": 1, "data_format": "channels_first"}),
    ("extract_patches", (R((2, 6, 7, 8, 3)), (2, 3, 2)), {"data_format": "channels_last"}),
    *[("scale_and_translate", (R((2, 6, 7, 3)), (2, 9, 4, 3), np.array([1.5, 0.625], "float32"),
                               np.array([0.25, -0.5], "float32"), (1, 2), method), {"antialias": antialias})
      for method in ("linear", "cubic", "lanczos3", "lanczos5") for antialias in (True, False)],
    ("scale_and_translate", (R((6, 7), "int32", low=0, high=100), (9, 5), [1.5, 0.75], [0.0, 0.5], (0, 1), "bilinear"),
     {}),
    ("scale_and_translate", (R((5, 6), "float64"), (5, 3), [1.0, 0.5], [0.0, 0.0], (0, 1), "bicubic"), {}),
]


def _id(case):
    name, args, kwargs = case
    shapes = ",".join(str(getattr(a, "shape", a)) for a in args[:1])
    return f"{name}[{shapes},{getattr(args[0], 'dtype', '')}]{sorted(kwargs.items())}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_image_op_matches_keras(case):
    name, args, kwargs = case
    assert_matches(getattr(ops.image, name)(*args, **kwargs), getattr(keras.ops.image, name)(*args, **kwargs),
                   rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("interpolation,fill_mode", [("bilinear", "reflect"), ("bilinear", "constant"),
                                                     ("nearest", "wrap")])
def test_elastic_transform_matches_keras_under_the_same_torch_seed(data_format, interpolation, fill_mode):
    # Keras on torch draws its field from torch's global generator whatever ``seed`` says.
    images = R((2, 10, 11, 3)) if data_format == "channels_last" else R((2, 3, 10, 11))
    kwargs = {"alpha": 3.0, "sigma": 1.5, "interpolation": interpolation, "fill_mode": fill_mode,
              "data_format": data_format}
    torch.manual_seed(5)
    ours = ops.image.elastic_transform(images, **kwargs)
    torch.manual_seed(5)
    theirs = keras.ops.image.elastic_transform(images, **kwargs)
    assert_matches(ours, theirs, rtol=1e-5, atol=1e-5)


def test_elastic_transform_seed_is_reproducible():
    images = torch.tensor(R((2, 9, 9, 1)))
    a = ops.image.elastic_transform(images, seed=3, data_format="channels_last")
    b = ops.image.elastic_transform(images, seed=3, data_format="channels_last")
    c = ops.image.elastic_transform(images, seed=4, data_format="channels_last")
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_affine_transform_ignores_projective_terms_and_runs_in_one_gather():
    images = torch.tensor(R((2, 7, 9, 3)))
    projective = AFFINE.copy()
    projective[:, 6:] = 0.125
    assert torch.equal(ops.image.affine_transform(images, projective, data_format="channels_last"),
                       ops.image.affine_transform(images, AFFINE, data_format="channels_last"))


def test_bad_arguments_name_themselves():
    images = torch.ones(1, 4, 4, 1)
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.affine_transform(images, AFFINE[0], fill_mode="bogus")
    with pytest.raises(ValueError, match="interpolation"):
        ops.image.perspective_transform(images, START, END, interpolation="bicubic")
    with pytest.raises(ValueError, match="transform"):
        ops.image.affine_transform(images, np.ones(6, "float32"))
    with pytest.raises(NotImplementedError, match="order"):
        ops.image.map_coordinates(torch.ones(3, 3), torch.zeros(2, 1), order=3)
    with pytest.raises(ValueError, match="method"):
        ops.image.scale_and_translate(torch.ones(3, 3), (3, 3), [1, 1], [0, 0], (0, 1), "area")
    with pytest.raises(ValueError, match="rank 4"):
        ops.image.sobel_edges(torch.ones(4, 4, 1))


GRADIENTS = [
    ("affine_transform", lambda x: ops.image.affine_transform(x, AFFINE.astype("float64"), fill_mode="reflect",
                                                               data_format="channels_last"), (2, 5, 6, 2)),
    ("perspective_transform", lambda x: ops.image.perspective_transform(x, START, END, data_format="channels_last"),
     (1, 7, 9, 1)),
    ("map_coordinates", lambda x: ops.image.map_coordinates(x, torch.tensor(COORDS[:2], dtype=torch.float64), 1,
                                                            fill_mode="mirror"), (5, 6)),
    ("gaussian_blur", lambda x: ops.image.gaussian_blur(x, (3, 3), (1.0, 0.5), data_format="channels_first"),
     (1, 2, 5, 6)),
    ("sobel_edges", lambda x: ops.image.sobel_edges(x, data_format="channels_last"), (1, 5, 6, 2)),
    ("scale_and_translate", lambda x: ops.image.scale_and_translate(x, (7, 3), [1.5, 0.5], [0.0, 0.25], (0, 1),
                                                                    "cubic"), (5, 6)),
    ("extract_patches_3d", lambda x: ops.image.extract_patches_3d(x, 2, data_format="channels_last"), (1, 4, 4, 4, 1)),
]


@pytest.mark.parametrize("name,function,shape", GRADIENTS, ids=[g[0] for g in GRADIENTS])
def test_image_gradients(name, function, shape):
    x = torch.tensor(R(shape, "float64", low=0, high=1), requires_grad=True)
    torch.autograd.gradcheck(function, [x])


def test_ssim_gradient_matches_keras():
    # Keras computes SSIM in float32 even for float64 images (its result_type), so the
    # gradient is compared with Keras's own rather than with finite differences.
    other = torch.tensor(R((2, 8, 8, 2), low=0, high=1, seed=9))
    grads = []
    for ssim in (ops.image.ssim, keras.ops.image.ssim):
        x = torch.tensor(R((2, 8, 8, 2), low=0, high=1), requires_grad=True)
        ssim(x, other, filter_size=3, data_format="channels_last").sum().backward()
        grads.append(x.grad)
    assert_matches(grads[0], grads[1], rtol=1e-5, atol=1e-6)


def test_map_coordinates_gradient_reaches_coordinates():
    x = torch.tensor(R((5, 6), "float64"))
    coordinates = torch.tensor(R((2, 7), "float64", low=0.1, high=3.9) // 1 + 0.3, requires_grad=True)
    torch.autograd.gradcheck(lambda c: ops.image.map_coordinates(x, c, 1), [coordinates])


def test_warps_run_batched_on_the_images_device_in_one_call():
    images = torch.tensor(R((3, 6, 6, 2)))
    out = ops.image.affine_transform(images, AFFINE[:1].repeat(3, 0), data_format="channels_last")
    each = torch.stack([ops.image.affine_transform(img, AFFINE[0], data_format="channels_last") for img in images])
    assert torch.equal(out, each)


BEAM = [((3, 8, 5), 4, 2, 0, [8, 5, 1]), ((2, 6, 4), 10, 3, None, [6, 6]), ((4, 10, 6), 3, 1, 2, [10, 7, 3, 0]),
        ((2, 7, 3), 100, 2, 0, [7, 4])]


@pytest.mark.parametrize("shape,beam_width,top_paths,mask_index,lengths", BEAM)
def test_ctc_beam_search_matches_keras(shape, beam_width, top_paths, mask_index, lengths):
    x = R(shape, low=-2, high=2, seed=shape[0] * shape[1])
    lengths = np.array(lengths, "int32")
    kwargs = {"strategy": "beam_search", "beam_width": beam_width, "top_paths": top_paths, "mask_index": mask_index}
    assert_matches(ops.nn.ctc_decode(x, lengths, **kwargs), keras.ops.nn.ctc_decode(x, lengths, **kwargs),
                   rtol=1e-5, atol=1e-5)


def test_ctc_beam_search_float64_and_strategy_errors():
    x = R((2, 6, 4), "float64", low=-2, high=2)
    lengths = np.array([6, 4], "int32")
    assert_matches(ops.nn.ctc_decode(x, lengths, strategy="beam_search", beam_width=5),
                   keras.ops.nn.ctc_decode(x, lengths, strategy="beam_search", beam_width=5), rtol=1e-6, atol=1e-6)
    assert_matches(ops.nn.ctc_decode(x, lengths), keras.ops.nn.ctc_decode(x, lengths))
    with pytest.raises(ValueError, match="strategy"):
        ops.nn.ctc_decode(x, lengths, strategy="prefix")
