"""Shared model building blocks; plugins assemble their networks from these, nothing here knows a tracker.

| module | what |
|---|---|
| backbones | ``build_backbone(name, pretrained_path)``: alexnet (SiamFC++), resnet18/50 (dilated layer3), tiny, mobilenetv3_small (stride 16) |
| normalize | ``ImageNormalizer`` (0-255 RGB -> ImageNet-normalised), ``to_grayscale`` |
| geometry | ``compute_geometry``: score / feature grids derived by a receptive-field walk over the layers; ``pixelwise_geometry`` |
| xcorr | ``depthwise_xcorr``, ``center_crop_features`` |
| head | ``SiamHead``: SiamFC++ cls / centerness / ltrb towers |
| pixelwise_head | ``PixelwiseHead``: pixel-wise correlation + channel attention, separable towers, cls + exp box |
| box_coding | ``decode_ltrb`` / ``encode_box`` between ltrb maps and xywh crop boxes |
| losses | focal, centerness BCE, IoU losses; ``SIAMFCPP_LOSS_WEIGHTS`` |

Crop sizes: pick sizes whose feature grid is centred on the crop (grid centre offset + stride*(n-1)/2 equals
size/2; ``geometry.template_grid`` / ``Geometry.feature`` tell). Centred: alexnet 127 / 255 / 303, tiny 63 / 127 /
255, resnet 8k+1 (121 / 257). Off-centre (e.g. resnet 127: 3 px) is still exact, only asymmetric.
"""
