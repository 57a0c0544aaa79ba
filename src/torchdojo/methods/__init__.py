"""Method code shared by experiments and lessons, one module per method: DDPM (diffusion),
GAN losses and step (gan), policy-gradient returns and rollouts (rl), text sampling
(sampling), and the image judge with classifier FID (judge, fid)."""
