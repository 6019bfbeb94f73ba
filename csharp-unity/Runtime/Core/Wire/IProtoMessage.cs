namespace Rlay.Protocol
{
    /// <summary>
    /// What every generated message class offers: the protobuf encoding of itself.
    /// </summary>
    public interface IProtoMessage
    {
        /// <summary>Encoded size in bytes; caches the sizes WriteFields uses.</summary>
        int CalculateSize();

        /// <summary>The size computed by the last CalculateSize call.</summary>
        int CachedSize { get; }

        /// <summary>CalculateSize, then WriteFields.</summary>
        void WriteTo(ProtoWriter writer);

        /// <summary>Writes the fields; CalculateSize must have run since the last change.</summary>
        void WriteFields(ProtoWriter writer);

        /// <summary>Reads fields until the reader's current limit.</summary>
        void MergeFrom(ProtoReader reader);

        byte[] ToByteArray();
    }
}
