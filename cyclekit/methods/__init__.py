"""The shipped methods; importing this package registers them."""

from cyclekit.methods.acc import AffinityCycleConsistency
from cyclekit.methods.cdlm import CDLM
from cyclekit.methods.cyclegan import CycleGAN
from cyclekit.methods.cyclegn import CycleGN
from cyclekit.methods.cycletrack import CycleTrack
from cyclekit.methods.dirt_t import DIRTT
from cyclekit.methods.ilvm import AVB, SJMVI, VAE
from cyclekit.methods.uda_baselines import DANN, SourceOnly, TargetOnly

__all__ = ["AVB", "CDLM", "DANN", "DIRTT", "SJMVI", "VAE", "AffinityCycleConsistency", "CycleGAN",
           "CycleGN", "CycleTrack", "SourceOnly", "TargetOnly"]
