using System;
using Rlay.Protocol;
using UnityEngine;

namespace Rlay.Unity
{
    /// <summary>
    /// The named calls every RlayEnvironment serves: <c>time_scale</c>,
    /// <c>fixed_delta_time</c> and <c>decision_period</c>. Each takes a number to set (None:
    /// only read) and returns the value now in force.
    /// </summary>
    /// <example><code>env.unwrapped.call("time_scale", 20.0)   # Python</code></example>
    static class BuiltInCalls
    {
        public static void Register(LockstepController controller, RlayEnvironment environment)
        {
            controller.RegisterCall("time_scale", value =>
            {
                double? set = Number(value, "time_scale");
                if (set.HasValue)
                {
                    // 0 would stop FixedUpdate, and with it every step (and this call's way back).
                    if (!(set.Value > 0) || set.Value > 100)
                        throw new InvalidValueException("time_scale: expected a number in (0, 100], got " + set.Value + " (0 would stop the game's clock)");
                    Time.timeScale = (float)set.Value;
                }
                return Values.Float(Time.timeScale);
            });
            controller.RegisterCall("fixed_delta_time", value =>
            {
                double? set = Number(value, "fixed_delta_time");
                if (set.HasValue)
                {
                    if (set.Value <= 0)
                        throw new InvalidValueException("fixed_delta_time: expected > 0, got " + set.Value);
                    Time.fixedDeltaTime = (float)set.Value;
                    environment.OnTimingChanged();
                }
                return Values.Float(Time.fixedDeltaTime);
            });
            controller.RegisterCall("decision_period", value =>
            {
                double? set = Number(value, "decision_period");
                if (set.HasValue)
                {
                    if (set.Value < 1 || set.Value != Math.Floor(set.Value))
                        throw new InvalidValueException("decision_period: expected an integer >= 1, got " + set.Value);
                    environment.DecisionPeriod = (int)set.Value;
                }
                return Values.Int(environment.DecisionPeriod);
            });
        }

        static double? Number(Value value, string name)
        {
            if (value == null || value.KindCase == Value.KindOneofCase.None)
                return null;
            if (value.KindCase == Value.KindOneofCase.FloatValue)
                return value.FloatValue;
            if (value.KindCase == Value.KindOneofCase.IntValue)
                return value.IntValue;
            if (value.KindCase == Value.KindOneofCase.Tensor && TensorData.Count(value.Tensor.Shape) == 1)
                return TensorData.ReadDouble(value.Tensor, 0);
            throw new InvalidValueException(name + ": expected a number or None, got " + Values.KindName(value));
        }
    }
}
