// Package preprocess turns image files into the tensors ResNet classifiers
// take, as torchvision's ImageNet evaluation transform does:
//
//	Resize(256) + CenterCrop(224) + ToTensor() + Normalize(mean, std)
//
// Decode reads a JPEG or PNG file, checking its dimensions against a pixel
// limit before decoding (a guard against decompression bombs). Tensor
// resizes the shorter side with antialiased bilinear (or bicubic)
// resampling, centre-crops, scales to [0, 1] and normalises each channel,
// giving a 3 x H x W float32 tensor in CHW order, one image of an NCHW
// batch. Every parameter is in Options; the zero value is torchvision's.
//
// Resampling repeats Pillow's fixed-point arithmetic (torchvision resizes
// PIL images with Pillow), and JPEG colour conversion and chroma
// upsampling repeat libjpeg's, so a PNG gives torchvision's tensor exactly
// and a JPEG differs only where Go's inverse DCT rounds differently from
// libjpeg-turbo's. ImageNetLabels holds the 1000 class names.
package preprocess
