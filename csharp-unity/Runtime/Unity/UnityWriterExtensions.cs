using UnityEngine;

namespace Rlay.Unity
{
    /// <summary>Unity types for observation and heuristic-action writers.</summary>
    /// <example><code>
    /// obs.Add(transform.localPosition);   // 3 numbers
    /// obs.Add(rigidbody.velocity);        // 3 numbers
    /// obs.Add(transform.localRotation);   // 4 numbers (x, y, z, w)
    /// </code></example>
    public static class UnityWriterExtensions
    {
        public static SpaceWriter Add(this SpaceWriter writer, Vector2 value)
        {
            return writer.Add(value.x).Add(value.y);
        }

        public static SpaceWriter Add(this SpaceWriter writer, Vector3 value)
        {
            return writer.Add(value.x).Add(value.y).Add(value.z);
        }

        public static SpaceWriter Add(this SpaceWriter writer, Vector4 value)
        {
            return writer.Add(value.x).Add(value.y).Add(value.z).Add(value.w);
        }

        public static SpaceWriter Add(this SpaceWriter writer, Quaternion value)
        {
            return writer.Add(value.x).Add(value.y).Add(value.z).Add(value.w);
        }

        /// <summary>
        /// Append a camera's view as uint8 RGB bytes, rows top to bottom: the
        /// space must be (or end with) a uint8 Box of shape (height, width, 3).
        /// Needs a graphics device (not <c>-nographics</c>).
        /// </summary>
        public static SpaceWriter AddCameraImage(this SpaceWriter writer, Camera camera, int width, int height, ref RenderTexture target, ref Texture2D readback)
        {
            var frame = FrameCapture.Capture(camera, width, height, ref target, ref readback);
            var bytes = frame.DataSegment;
            return writer.AddBytes(bytes.Array, bytes.Offset, bytes.Count);
        }
    }
}
