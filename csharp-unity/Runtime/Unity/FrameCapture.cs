using System;
using Rlay.Protocol;
using Unity.Collections;
using UnityEngine;
using UnityEngine.Rendering;

namespace Rlay.Unity
{
    /// <summary>
    /// Renders a camera into an RGB frame: a uint8 [height, width, 3] tensor,
    /// rows top to bottom (what <c>env.render()</c> returns for "rgb_array").
    /// </summary>
    /// <remarks>
    /// The camera renders into a RenderTexture owned by the caller (kept
    /// between frames, so a render costs no allocation but the returned
    /// bytes), which is read back with <c>Texture2D.ReadPixels</c> — a GPU to
    /// CPU copy on the main thread, the usual cost of image observations.
    /// Unity's textures start at the bottom row, so rows are flipped while
    /// copying out of the texture's own memory (no intermediate full-frame copy).
    /// The camera's viewport rect is set to the full target for the capture
    /// (a split-screen camera would otherwise fill a corner) and restored after.
    /// </remarks>
    public static class FrameCapture
    {
        /// <summary>Render <paramref name="camera"/> at width × height and read the pixels back.</summary>
        public static Tensor Capture(Camera camera, int width, int height, ref RenderTexture target, ref Texture2D readback)
        {
            if (camera == null)
                throw new ArgumentNullException("camera");
            if (SystemInfo.graphicsDeviceType == GraphicsDeviceType.Null)
                throw new CommandException(ErrorCode.FailedPrecondition, "capturing a camera needs a graphics device: launch the player without -nographics (-batchmode alone is fine)");
            if (width <= 0 || height <= 0)
                throw new ArgumentException("frame size must be positive, got " + width + "x" + height);
            if (target == null || target.width != width || target.height != height)
            {
                Release(ref target, ref readback);
                target = new RenderTexture(width, height, 24);
                readback = new Texture2D(width, height, TextureFormat.RGB24, false);
            }
            RenderTexture previousTarget = camera.targetTexture;
            RenderTexture previousActive = RenderTexture.active;
            Rect previousRect = camera.rect;
            try
            {
                camera.targetTexture = target;
                camera.rect = new Rect(0f, 0f, 1f, 1f);
                camera.Render();
                RenderTexture.active = target;
                readback.ReadPixels(new Rect(0, 0, width, height), 0, 0);
            }
            finally
            {
                camera.rect = previousRect;
                camera.targetTexture = previousTarget;
                RenderTexture.active = previousActive;
            }
            // A view of the texture's memory: rows are copied straight into the frame, flipped.
            NativeArray<byte> pixels = readback.GetRawTextureData<byte>();
            int row = width * 3;
            var flipped = new byte[row * height];
            for (int y = 0; y < height; y++)
                NativeArray<byte>.Copy(pixels, (height - 1 - y) * row, flipped, y * row, row);
            return Tensors.FromBytes(Dtype.Uint8, flipped, height, width, 3);
        }

        /// <summary>Free the textures <see cref="Capture"/> made.</summary>
        public static void Release(ref RenderTexture target, ref Texture2D readback)
        {
            if (target != null)
            {
                target.Release();
                UnityEngine.Object.Destroy(target);
                target = null;
            }
            if (readback != null)
            {
                UnityEngine.Object.Destroy(readback);
                readback = null;
            }
        }
    }
}
