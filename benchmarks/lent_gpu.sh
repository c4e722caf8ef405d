# Shared steps of the scripts that run on a lent GPU machine (sourced, not run).

# Writes the GPU's name, memory and driver, torch's version and the CPU count to $1.
record_gpu() {
  { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
    python3 -c "import torch; print(torch.__version__, torch.cuda.get_device_name())"; nproc; } \
    > "$1" 2>&1
}

# Builds the MNIST-M cache once, before parallel runs would each build it.
build_mnistm_cache() {
  python3 -c "
from cyclekit.data.domain import load_domain
for split in ('train', 'test'):
    load_domain('mnistm', split)"
}
