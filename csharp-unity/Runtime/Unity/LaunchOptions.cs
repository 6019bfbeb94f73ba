// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using System;
using System.Collections;
using System.Collections.Generic;

namespace Rlay.Unity
{
    /// <summary>
    /// What the command line and the environment variables say about the
    /// connection. Python's <c>rlay.ServerEnv(launch=[...])</c> starts the game
    /// with <c>-rlay-address ADDR</c> appended and <c>RLAY_ADDRESS</c> /
    /// <c>RLAY_TOKEN</c> set; the game then dials that address.
    /// </summary>
    /// <remarks>
    /// Recognised, first match wins (the command line before the environment):
    /// <list type="bullet">
    /// <item><c>-rlay-address ADDR</c>, <c>--rlay-address ADDR</c>, or with <c>=ADDR</c>;
    /// else <c>RLAY_ADDRESS</c>: dial a listening <c>ServerEnv</c>.</item>
    /// <item><c>-rlay-listen ADDR</c>, <c>--rlay-listen ADDR</c>; else <c>RLAY_LISTEN</c>:
    /// listen on ADDR for a <c>ClientEnv</c> (overrides the inspector's port).</item>
    /// <item><c>RLAY_TOKEN</c>: the shared secret (kept out of the command line,
    /// where other users of the machine could read it).</item>
    /// </list>
    /// </remarks>
    public sealed class LaunchOptions
    {
        public const string AddressFlag = "rlay-address";
        public const string ListenFlag = "rlay-listen";
        public const string AddressVariable = "RLAY_ADDRESS";
        public const string ListenVariable = "RLAY_LISTEN";
        public const string TokenVariable = "RLAY_TOKEN";

        /// <summary>Address of a ServerEnv to dial, or null.</summary>
        public string DialAddress { get; private set; }

        /// <summary>Address to listen on for a ClientEnv, or null (use the inspector's).</summary>
        public string ListenAddress { get; private set; }

        /// <summary>The token, or null when none was given.</summary>
        public string Token { get; private set; }

        /// <summary>Read this process's command line and environment.</summary>
        public static LaunchOptions FromProcess()
        {
            return Parse(Environment.GetCommandLineArgs(), Environment.GetEnvironmentVariables());
        }

        /// <summary>Parse explicit arguments and variables (for tests and custom launchers).</summary>
        /// <exception cref="ArgumentException">A flag is given without its value.</exception>
        public static LaunchOptions Parse(IList<string> args, IDictionary variables)
        {
            var options = new LaunchOptions();
            options.DialAddress = FlagValue(args, AddressFlag) ?? Variable(variables, AddressVariable);
            options.ListenAddress = FlagValue(args, ListenFlag) ?? Variable(variables, ListenVariable);
            options.Token = Variable(variables, TokenVariable);
            return options;
        }

        /// <summary>
        /// The value of <c>-name VALUE</c>, <c>--name VALUE</c>, <c>-name=VALUE</c> or
        /// <c>--name=VALUE</c>; null when the flag is absent.
        /// </summary>
        public static string FlagValue(IList<string> args, string name)
        {
            if (args == null)
                return null;
            for (int i = 0; i < args.Count; i++)
            {
                string arg = args[i] ?? "";
                string bare = arg.StartsWith("--") ? arg.Substring(2) : arg.StartsWith("-") ? arg.Substring(1) : null;
                if (bare == null)
                    continue;
                if (bare == name)
                {
                    if (i + 1 >= args.Count || string.IsNullOrEmpty(args[i + 1]))
                        throw new ArgumentException("-" + name + " needs a value, e.g. -" + name + " tcp://127.0.0.1:5555");
                    return args[i + 1];
                }
                if (bare.StartsWith(name + "="))
                {
                    string value = bare.Substring(name.Length + 1);
                    if (value.Length == 0)
                        throw new ArgumentException("-" + name + "= needs a value, e.g. -" + name + "=tcp://127.0.0.1:5555");
                    return value;
                }
            }
            return null;
        }

        static string Variable(IDictionary variables, string name)
        {
            if (variables == null || !variables.Contains(name))
                return null;
            string value = variables[name] as string;
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }
}
