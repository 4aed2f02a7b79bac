namespace EmbedSharp.FastText;

/// <summary>
/// fastText's string hash (dictionary.cc <c>Dictionary::hash</c>): 32-bit FNV-1a where every byte is first
/// sign-extended from int8 to uint32 (<c>h = (h ^ uint32_t(int8_t(c))) * 16777619</c>). For bytes ≥ 0x80 this differs
/// from textbook FNV-1a; fastText keeps the quirk so that published models stay valid.
/// </summary>
public static class FastTextHash
{
    /// <summary>FNV-1a 32-bit offset basis.</summary>
    internal const uint OffsetBasis = 2166136261;

    /// <summary>FNV-1a 32-bit prime.</summary>
    internal const uint Prime = 16777619;

    /// <summary>Hash of <paramref name="bytes"/> as fastText computes it.</summary>
    public static uint Hash(ReadOnlySpan<byte> bytes)
    {
        var h = OffsetBasis;
        foreach (var b in bytes)
        {
            h = Step(h, b);
        }

        return h;
    }

    /// <summary>One FNV-1a step with the sign-extension quirk.</summary>
    internal static uint Step(uint h, byte b) => (h ^ (uint)(sbyte)b) * Prime;
}
