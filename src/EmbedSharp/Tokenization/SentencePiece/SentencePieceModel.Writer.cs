using Google.Protobuf;

namespace EmbedSharp.Tokenization.SentencePiece;

public sealed partial class SentencePieceModel
{
    /// <summary>
    /// Serialises the model as a <c>ModelProto</c> that <c>spm_encode</c> and <see cref="Parse"/> read: every piece
    /// (piece = 1, score = 2, type = 3 when not normal), the <c>TrainerSpec</c> fields this class holds
    /// (<c>model_type</c>, <c>vocab_size</c>, <c>treat_whitespace_as_suffix</c>, <c>split_digits</c>,
    /// <c>byte_fallback</c>, <c>unk_id</c>, <c>bos_id</c>, <c>eos_id</c>, <c>pad_id</c>, <c>unk_surface</c>), the
    /// <c>NormalizerSpec</c> (<c>name</c>, <c>precompiled_charsmap</c>, <c>add_dummy_prefix</c>,
    /// <c>remove_extra_whitespaces</c>, <c>escape_whitespaces</c>) and the denormaliser when there is one. Every field
    /// is written explicitly, so proto2 defaults never decide a value. Fields of a parsed file this class does not hold
    /// (spm_train's other options) are not written back.
    /// </summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (piece, score, type) in Pieces)
        {
            WriteMessage(output, 1, o =>
            {
                o.WriteTag(1, WireFormat.WireType.LengthDelimited);
                o.WriteString(piece);
                o.WriteTag(2, WireFormat.WireType.Fixed32);
                o.WriteFloat(score);
                if (type != SentencePieceType.Normal)
                {
                    o.WriteTag(3, WireFormat.WireType.Varint);
                    o.WriteEnum((int)type);
                }
            });
        }

        var t = TrainerSpec;
        WriteMessage(output, 2, o =>
        {
            WriteVarint(o, 3, (int)t.Algorithm);
            WriteVarint(o, 4, t.VocabSize);
            WriteVarint(o, 24, t.TreatWhitespaceAsSuffix ? 1 : 0);
            WriteVarint(o, 25, t.SplitDigits ? 1 : 0);
            WriteVarint(o, 35, t.ByteFallback ? 1 : 0);
            WriteVarint(o, 40, t.UnkId);
            WriteVarint(o, 41, t.BosId);
            WriteVarint(o, 42, t.EosId);
            WriteVarint(o, 43, t.PadId);
            o.WriteTag(44, WireFormat.WireType.LengthDelimited);
            o.WriteString(t.UnkSurface);
        });
        WriteMessage(output, 3, o => WriteNormalizer(o, NormalizerSpec));
        if (DenormalizerSpec is { } denormalizer)
        {
            WriteMessage(output, 5, o => WriteNormalizer(o, denormalizer));
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>Writes <see cref="ToBytes"/> to <paramref name="path"/> atomically (a temporary file beside it, then a
    /// rename): on failure any previous file is left intact.</summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ToBytes();
        Numerics.Formats.AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static void WriteNormalizer(CodedOutputStream o, SentencePieceNormalizerSpec spec)
    {
        o.WriteTag(1, WireFormat.WireType.LengthDelimited);
        o.WriteString(spec.Name);
        if (!spec.PrecompiledCharsMap.IsEmpty)
        {
            o.WriteTag(2, WireFormat.WireType.LengthDelimited);
            o.WriteBytes(ByteString.CopyFrom(spec.PrecompiledCharsMap.Span));
        }

        WriteVarint(o, 3, spec.AddDummyPrefix ? 1 : 0);
        WriteVarint(o, 4, spec.RemoveExtraWhitespaces ? 1 : 0);
        WriteVarint(o, 5, spec.EscapeWhitespaces ? 1 : 0);
    }

    private static void WriteVarint(CodedOutputStream o, int field, int value)
    {
        o.WriteTag(field, WireFormat.WireType.Varint);
        o.WriteInt32(value);   // a negative id (−1) takes ten bytes, as protobuf's int32 does
    }

    /// <summary>Writes a length-delimited sub-message whose fields <paramref name="body"/> writes.</summary>
    private static void WriteMessage(CodedOutputStream output, int field, Action<CodedOutputStream> body)
    {
        using var nested = new MemoryStream();
        var o = new CodedOutputStream(nested);
        body(o);
        o.Flush();
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(ByteString.CopyFrom(nested.GetBuffer(), 0, (int)nested.Length));
    }
}
