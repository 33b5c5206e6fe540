// Types of gray-png.mjs (plain JavaScript, run by the engraver worker without tsx).

/** Encodes opaque gray RGBA pixels as an 8-bit grayscale PNG (the green channel), rows unfiltered, zlib Z_RLE. */
export function encodeGrayPng(rgba: Uint8Array, width: number, height: number): Uint8Array;
