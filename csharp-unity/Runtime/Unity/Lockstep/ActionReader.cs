// Engine-independent: no UnityEngine here, so it is unit-tested under plain Mono.
using Rlay.Protocol;

namespace Rlay.Unity
{
    /// <summary>
    /// Reads one action (element form) in <c>RlayAgent.OnActionReceived</c>.
    /// </summary>
    /// <example>
    /// <code>
    /// int push = action.Discrete;                  // Discrete(2)
    /// float steer = action.GetFloat(0);            // Box(shape=(2,))
    /// float throttle = action["drive"].GetFloat(1); // Dict({"drive": Box(2), ...})
    /// </code>
    /// </example>
    public sealed class ActionReader
    {
        readonly Space space;
        readonly Value value;
        readonly string path;

        public ActionReader(Space space, Value value) : this(space, value, "action") { }

        ActionReader(Space space, Value value, string path)
        {
            this.space = space;
            this.value = value ?? new Value();
            this.path = path;
        }

        /// <summary>The space this action belongs to.</summary>
        public Space Space { get { return space; } }

        /// <summary>The action as it came (value.proto element form).</summary>
        public Value Value { get { return value; } }

        /// <summary>How many numbers a tensor action holds.</summary>
        public int Count
        {
            get { return value.KindCase == Value.KindOneofCase.Tensor ? (int)TensorData.Count(value.Tensor.Shape) : 0; }
        }

        /// <summary>The action of a Discrete space.</summary>
        public int Discrete
        {
            get
            {
                if (value.KindCase != Value.KindOneofCase.IntValue)
                    throw new InvalidValueException(path + ": not a Discrete action (" + value.KindCase + ")");
                return (int)value.IntValue;
            }
        }

        /// <summary>Number <paramref name="index"/> (C order) of a Box, MultiDiscrete or MultiBinary action.</summary>
        public float GetFloat(int index)
        {
            return (float)GetDouble(index);
        }

        public double GetDouble(int index)
        {
            Check(index);
            return TensorData.ReadDouble(value.Tensor, index);
        }

        /// <summary>Number <paramref name="index"/> as an integer (MultiDiscrete branches, MultiBinary bits).</summary>
        public int GetInt(int index)
        {
            Check(index);
            return (int)TensorData.ReadLong(value.Tensor, index);
        }

        /// <summary>The action of a Text space.</summary>
        public string Text
        {
            get { return value.KindCase == Value.KindOneofCase.StringValue ? value.StringValue : ""; }
        }

        /// <summary>The part of a Dict action.</summary>
        public ActionReader this[string key]
        {
            get
            {
                if (space.KindCase != Space.KindOneofCase.Dict || value.KindCase != Value.KindOneofCase.MapValue)
                    throw new InvalidValueException(path + ": ['" + key + "'] needs a Dict action");
                foreach (DictSpaceEntry entry in space.Dict.Entries)
                {
                    if (entry.Key == key)
                        return new ActionReader(entry.Space, Values.Get(value, key), path + "['" + key + "']");
                }
                throw new InvalidValueException(path + ": no key '" + key + "' in the Dict space");
            }
        }

        /// <summary>The part of a Tuple action.</summary>
        public ActionReader this[int index]
        {
            get
            {
                if (space.KindCase != Space.KindOneofCase.Tuple || value.KindCase != Value.KindOneofCase.TupleValue)
                    throw new InvalidValueException(path + ": [" + index + "] needs a Tuple action");
                if (index < 0 || index >= value.TupleValue.Items.Count)
                    throw new InvalidValueException(path + ": no part " + index);
                return new ActionReader(space.Tuple.Spaces[index], value.TupleValue.Items[index], path + "[" + index + "]");
            }
        }

        void Check(int index)
        {
            if (value.KindCase != Value.KindOneofCase.Tensor)
                throw new InvalidValueException(path + ": not a tensor action (" + value.KindCase + ")");
            if (index < 0 || index >= Count)
                throw new InvalidValueException(path + ": index " + index + " outside 0.." + (Count - 1));
        }
    }
}
