"""Metrics shared by several method families: image quality (SSIM, PSNR, MSE) and a frozen classifier judge."""
