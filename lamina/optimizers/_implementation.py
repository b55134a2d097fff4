"""Pick torch.optim's fastest implementation (for-loop, foreach or fused) for the parameters.

torch's own default is ``foreach`` on CUDA and a per-tensor for-loop on CPU. Its fused kernels
do the whole update in one pass per tensor; on CPU they are much faster for the 784-128-10 MLP
(2 cores, torch 2.13, microseconds per optimizer step incl. ~25 us of gradient copies):

    Adam 300 -> 140-200, AdamW 300 -> 140-165, Adagrad 170-205 -> 105,
    SGD with momentum 115-135 -> 80-90, plain SGD 70-75 either way.

Results match the default implementation to rounding: 1e-7 relative after one step, within
1e-6 after 20 float32 steps of a quadratic. Over 50 Adam steps of the MLP a few weights whose
gradient is ~0 drift further apart (relative 9e-6 on CPU, 3e-5 on CUDA against foreach),
since Adam's normalised update amplifies the last-bit differences of the fused arithmetic.
On an H100 (torch 2.11, same MLP, launch-bound) fused also beat foreach, torch's CUDA default:
Adam 1160 -> 900, AdamW 870 -> 790, SGD with momentum 805 -> 760 us per training step.

Only Adam and AdamW run on a torch.optim kernel now (Keras's epsilon is rescaled per step,
``Adam._prepare_update``); lamina's other optimizers follow Keras's rules on their own
multi-tensor updates (``keras_update``, ``lamina.backend.foreach``), where torch.optim's
kernels would compute other maths.
"""

FUSED_ON_CPU_AND_CUDA = frozenset({"cpu", "cuda"})


def implementation_options(parameters, fused_devices):
    """Keyword arguments that select the fused kernels when every parameter can use them.

    Args:
        parameters: The parameters the torch optimizer will update.
        fused_devices: Device types where this optimizer's fused kernel exists and was measured
            faster than the default.

    Returns:
        ``{"fused": True}``, or ``{}`` for torch's default choice.
    """
    usable = all(p.is_floating_point() and p.device.type in fused_devices for p in parameters)
    return {"fused": True} if usable else {}
