using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using NUnit.Framework;
using Rlay.Protocol;

namespace Rlay.Tests
{
    /// <summary>
    /// Every golden vector of conformance/vectors: the generated parser decodes it to exactly
    /// the fields its JSON names (so a wrong field number is caught), and re-encoding gives
    /// the same bytes.
    /// </summary>
    /// <remarks>
    /// The vectors are found through RLAY_REPO_ROOT or by walking up from the test assembly.
    /// Reflection is used here, in the tests only, to walk the generated properties.
    /// </remarks>
    [TestFixture]
    public class GoldenVectorTests
    {
        public static string VectorsDirectory()
        {
            string root = Environment.GetEnvironmentVariable("RLAY_REPO_ROOT");
            if (!string.IsNullOrEmpty(root)) return Path.Combine(Path.Combine(root, "conformance"), "vectors");
            DirectoryInfo dir = new DirectoryInfo(Path.GetDirectoryName(typeof(GoldenVectorTests).Assembly.Location));
            while (dir != null)
            {
                string candidate = Path.Combine(Path.Combine(dir.FullName, "conformance"), "vectors");
                if (Directory.Exists(candidate)) return candidate;
                dir = dir.Parent;
            }
            return null;
        }

        [Test]
        public void EveryVectorDecodesToItsJsonAndReencodesByteIdentically()
        {
            string folder = VectorsDirectory();
#if UNITY_5_3_OR_NEWER
            // Inside a Unity project the vectors exist only when the package is the repository's.
            if (folder == null) Assert.Ignore("conformance/vectors is in the rlay repository, not in this project");
#endif
            Assert.IsTrue(folder != null && Directory.Exists(folder),
                          "conformance/vectors not found: set RLAY_REPO_ROOT to the repository root");
            string[] files = Directory.GetFiles(folder, "*.binpb");
            Array.Sort(files, StringComparer.Ordinal);
            Assert.IsTrue(files.Length > 0, "no *.binpb in " + folder);
            List<string> failures = new List<string>();
            foreach (string binpb in files)
            {
                string name = Path.GetFileNameWithoutExtension(binpb);
                try
                {
                    CheckVector(binpb, Path.ChangeExtension(binpb, ".json"));
                }
                catch (Exception e)
                {
                    failures.Add(name + ": " + (e is TargetInvocationException ? e.InnerException.Message : e.Message));
                }
            }
            Console.WriteLine("golden vectors: " + (files.Length - failures.Count) + " of " + files.Length + " match");
            Assert.AreEqual(0, failures.Count, failures.Count + " of " + files.Length + " golden vectors differ:\n" +
                            string.Join("\n", failures.ToArray()));
        }

        static void CheckVector(string binpb, string json)
        {
            byte[] bytes = File.ReadAllBytes(binpb);
            List<KeyValuePair<string, object>> doc = (List<KeyValuePair<string, object>>)MiniJson.Parse(File.ReadAllText(json, Encoding.UTF8));
            string fullName = (string)Field(doc, "message");
            Type type = typeof(IProtoMessage).Assembly.GetType("Rlay.Protocol." + fullName.Substring(fullName.LastIndexOf('.') + 1), true);
            MethodInfo parse = type.GetMethod("Parse", new[] { typeof(byte[]) });
            IProtoMessage message = (IProtoMessage)parse.Invoke(null, new object[] { bytes });
            CompareMessage(message, Field(doc, "json"), "");
            byte[] again = message.ToByteArray();
            if (Bytes.ToHex(again) != Bytes.ToHex(bytes))
                throw new Exception("re-encoding differs: expected " + Bytes.ToHex(bytes) + ", got " + Bytes.ToHex(again));
        }

        static object Field(List<KeyValuePair<string, object>> obj, string key)
        {
            foreach (KeyValuePair<string, object> entry in obj)
                if (entry.Key == key) return entry.Value;
            return null;
        }

        static string Snake(string pascal)
        {
            return Regex.Replace(pascal, "(?<=[a-z0-9])(?=[A-Z])", "_").ToLowerInvariant();
        }

        static string LowerCamel(string pascal)
        {
            return char.ToLowerInvariant(pascal[0]) + pascal.Substring(1);
        }

        static bool IsFieldProperty(PropertyInfo p)
        {
            if (p.Name == "CachedSize") return false;
            if (p.PropertyType == typeof(ArraySegment<byte>)) return false;
            if (p.PropertyType.IsEnum && p.PropertyType.DeclaringType == p.DeclaringType) return false;
            return p.GetIndexParameters().Length == 0;
        }

        static object JsonFor(List<KeyValuePair<string, object>> obj, string property, out bool present)
        {
            foreach (KeyValuePair<string, object> entry in obj)
            {
                if (entry.Key == Snake(property) || entry.Key == LowerCamel(property))
                {
                    present = true;
                    return entry.Value;
                }
            }
            present = false;
            return null;
        }

        static void CompareMessage(object message, object json, string path)
        {
            if (message == null) throw new Exception(path + ": missing message");
            List<KeyValuePair<string, object>> obj = json as List<KeyValuePair<string, object>>;
            if (obj == null) throw new Exception(path + ": JSON is not an object");
            Type type = message.GetType();
            HashSet<string> known = new HashSet<string>();
            foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (p.PropertyType.IsEnum && p.PropertyType.DeclaringType == type)
                {
                    CompareCase(message, p, obj, path);
                    continue;
                }
                if (!IsFieldProperty(p)) continue;
                known.Add(Snake(p.Name));
                known.Add(LowerCamel(p.Name));
                bool present;
                object expected = JsonFor(obj, p.Name, out present);
                object actual = p.GetValue(message, null);
                string where = path + "." + Snake(p.Name);
                if (present) CompareValue(actual, p.PropertyType, expected, where);
                else CheckDefault(actual, where);
            }
            foreach (KeyValuePair<string, object> entry in obj)
                if (!known.Contains(entry.Key)) throw new Exception(path + ": JSON field '" + entry.Key + "' has no property");
        }

        static void CompareCase(object message, PropertyInfo caseProperty, List<KeyValuePair<string, object>> obj, string path)
        {
            string expected = "None";
            foreach (string member in Enum.GetNames(caseProperty.PropertyType))
            {
                bool present;
                if (member != "None") JsonFor(obj, member, out present);
                else present = false;
                if (present) expected = member;
            }
            string actual = caseProperty.GetValue(message, null).ToString();
            if (actual != expected) throw new Exception(path + "." + Snake(caseProperty.Name) + ": expected " + expected + ", got " + actual);
        }

        static void CheckDefault(object actual, string where)
        {
            if (actual == null) return;
            IList list = actual as IList;
            if (list != null && !(actual is byte[]))
            {
                if (list.Count != 0) throw new Exception(where + ": expected no elements, got " + list.Count);
                return;
            }
            byte[] bytes = actual as byte[];
            if (bytes != null)
            {
                if (bytes.Length != 0) throw new Exception(where + ": expected no bytes, got " + bytes.Length);
                return;
            }
            if (actual is IProtoMessage) throw new Exception(where + ": expected no message, got one");
            if (actual is string)
            {
                if ((string)actual != "") throw new Exception(where + ": expected \"\", got \"" + actual + "\"");
                return;
            }
            if (actual is double)
            {
                if (BitConverter.DoubleToInt64Bits((double)actual) != 0) throw new Exception(where + ": expected 0.0, got " + actual);
                return;
            }
            if (actual is bool)
            {
                if ((bool)actual) throw new Exception(where + ": expected false, got true");
                return;
            }
            if (Convert.ToDecimal(actual, CultureInfo.InvariantCulture) != 0m)
                throw new Exception(where + ": expected the default 0, got " + actual);
        }

        static void CompareValue(object actual, Type type, object expected, string where)
        {
            if (typeof(IProtoMessage).IsAssignableFrom(type))
            {
                CompareMessage(actual, expected, where);
                return;
            }
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
            {
                IList items = (IList)actual;
                List<object> json = expected as List<object>;
                if (json == null) throw new Exception(where + ": JSON is not an array");
                if (items.Count != json.Count) throw new Exception(where + ": expected " + json.Count + " elements, got " + items.Count);
                Type element = type.GetGenericArguments()[0];
                for (int i = 0; i < items.Count; i++) CompareValue(items[i], element, json[i], where + "[" + i + "]");
                return;
            }
            string got, want;
            if (type == typeof(byte[]))
            {
                got = Bytes.ToHex((byte[])actual);
                want = Bytes.ToHex(Convert.FromBase64String((string)expected));
            }
            else if (type.IsEnum)
            {
                got = ProtoEnumName(type, actual);
                want = expected is JsonNumber ? ProtoEnumName(type, Enum.ToObject(type, int.Parse(((JsonNumber)expected).Text, CultureInfo.InvariantCulture))) : (string)expected;
            }
            else if (type == typeof(double))
            {
                got = DoubleText((double)actual);
                want = DoubleText(ParseDouble(expected));
            }
            else if (type == typeof(bool))
            {
                got = actual.ToString();
                want = expected.ToString();
            }
            else if (type == typeof(string))
            {
                got = (string)actual;
                want = (string)expected;
            }
            else
            {
                got = Convert.ToString(actual, CultureInfo.InvariantCulture);
                want = expected.ToString();
            }
            if (got != want) throw new Exception(where + ": expected " + want + ", got " + got);
        }

        static string ProtoEnumName(Type type, object value)
        {
            string prefix = Snake(type.Name).ToUpperInvariant() + "_";
            string name = Enum.GetName(type, value);
            return name == null ? Convert.ToInt32(value).ToString(CultureInfo.InvariantCulture) : prefix + Snake(name).ToUpperInvariant();
        }

        static double ParseDouble(object json)
        {
            string text = json.ToString();
            if (text == "Infinity") return double.PositiveInfinity;
            if (text == "-Infinity") return double.NegativeInfinity;
            if (text == "NaN") return double.NaN;
            double value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            // Mono's double.Parse loses the sign of "-0.0".
            return value == 0 && text.StartsWith("-", StringComparison.Ordinal) ? -0.0 : value;
        }

        static string DoubleText(double value)
        {
            return BitConverter.DoubleToInt64Bits(value).ToString("x16");
        }
    }
}
