// Types of gray-png.mjs (plain JavaScript, run by the engraver worker without tsx).

/** Encodes opaque RGBA pixels as an 8-bit grayscale PNG (luma), rows filtered "Up", deflated by zlib. */
export function encodeGrayPng(rgba: Uint8Array, width: number, height: number): Uint8Array;
