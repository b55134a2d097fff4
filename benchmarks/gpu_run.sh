#!/usr/bin/env bash
# One prepared script for a lent GPU machine (see README "Performance"): CUDA tests, the
# three training benchmarks (lamina vs plain PyTorch vs Keras 3 + JAX where Keras can be
# carried as wheels; add lamina-jit / keras-torch to --only for those), and the
# single-GPU NCCL path. benchmarks/convnet_accuracy.py and step_profile.py are the
# follow-ups for accuracy over seeds and per-step costs. Run from the repository root with the
# Fashion-MNIST files in .gpu_data/ and optional wheels in .whl/.
set -u
export PYTHONPATH=$PWD LAMINA_FASHION_MNIST_DIR=$PWD/.gpu_data PYTHONUNBUFFERED=1 KERAS_BACKEND=torch
if ls .whl/*.whl >/dev/null 2>&1; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
        && export PYTHONPATH=$PWD:/tmp/site
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name())"
echo "== CUDA tests"
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/layers/test_rnn_cuda.py tests/losses/test_losses_metrics_cuda.py \
    tests/training/test_jit_compile.py tests/training/test_training.py -k "cuda or CUDA or rnn_cuda or jit" 2>&1 | grep -v Warning | tail -15
echo "== LSTM(128) over image rows (batch 128)"
timeout 120 python3 benchmarks/lstm.py --rounds 1 --epochs 3 --only lamina,torch,keras-jax 2>&1 | tail -5
echo "== keras-io convnet (batch 128)"
timeout 150 python3 benchmarks/convnet.py --rounds 1 --epochs 3 --only lamina,torch,torch-nhwc,keras-jax 2>&1 | tail -6
echo "== seed MLP (batch 32)"
timeout 120 python3 benchmarks/seed_mlp.py --rounds 1 --epochs 3 --only lamina,torch,keras-jax 2>&1 | tail -5
echo "== NCCL single-GPU data parallel"
timeout 60 python3 -m torch.distributed.run --nproc-per-node 1 benchmarks/gpu_nccl_check.py 2>&1 | tail -3
