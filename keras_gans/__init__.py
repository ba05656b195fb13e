"""keras_gans: reference GANs in Keras 3 where every training trick is an argument."""
