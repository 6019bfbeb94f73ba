using System;
using System.Text;
using NUnit.Framework;

namespace Rlay.Tests
{
    static class Bytes
    {
        public static byte[] Hex(string hex)
        {
            hex = hex.Replace(" ", "");
            byte[] result = new byte[hex.Length / 2];
            for (int i = 0; i < result.Length; i++) result[i] = Convert.ToByte(hex.Substring(2 * i, 2), 16);
            return result;
        }

        public static string ToHex(byte[] data)
        {
            StringBuilder text = new StringBuilder();
            foreach (byte b in data) text.Append(b.ToString("x2"));
            return text.ToString();
        }

        public static void AreEqual(byte[] expected, byte[] actual, string what)
        {
            Assert.AreEqual(ToHex(expected), ToHex(actual), what);
        }
    }
}
