namespace EmbedSharp.FastText;

/// <summary>
/// fastText's hashing of words and character n-grams (fastText 0.9.2 <c>Dictionary::hash</c> and
/// <c>Dictionary::computeSubwords</c>) as input rows, for <see cref="FastTextDictionary"/>, <see cref="FastTextModel"/>
/// and <see cref="TextFeaturizer"/>; the n-grams come from <see cref="SubwordEnumerator"/>.
/// <para>The hash is 32-bit FNV-1a over the UTF-8 bytes with one quirk: each byte is sign-extended from <c>int8</c>
/// before the XOR (<c>h = (h ^ uint32_t(int8_t(c))) * 16777619</c>), so bytes ≥ 0x80 flip the high 24 bits too and
/// differ from textbook FNV-1a; fastText keeps the quirk so that published models stay valid. The n-grams of a word
/// are taken over <c>"&lt;" + word + "&gt;"</c> in whole UTF-8 characters (continuation bytes 10xxxxxx never start an
/// n-gram), lengths <c>minn..maxn</c> characters, skipping the one-character n-grams "&lt;" and "&gt;"; n-gram row =
/// <c>nwords + hash % bucket</c>.</para>
/// <para>Layer 1 of the folder (see docs/formats/fasttext-bin.md, "Code layout"): it uses nothing else of it.</para>
/// </summary>
internal static class FastTextHashing
{
    /// <summary>The FNV-1a 32-bit offset basis.</summary>
    public const uint OffsetBasis = 2166136261;

    /// <summary>The FNV-1a 32-bit prime.</summary>
    public const uint Prime = 16777619;

    /// <summary>Begin-of-word marker fastText wraps words in (<c>Dictionary::BOW</c>).</summary>
    public const byte BeginOfWord = (byte)'<';

    /// <summary>End-of-word marker (<c>Dictionary::EOW</c>).</summary>
    public const byte EndOfWord = (byte)'>';

    /// <summary>fastText's hash of a byte string: FNV-1a 32 with sign-extended bytes.</summary>
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
    public static uint Step(uint h, byte b) => (h ^ (uint)(sbyte)b) * Prime;

    /// <summary>
    /// Appends the n-gram rows of <paramref name="wrappedWord"/> (the word already wrapped in &lt; &gt;) to
    /// <paramref name="rows"/>, in fastText's order: by start character, then by length.
    /// Row = <paramref name="nwords"/> + hash % <paramref name="bucket"/>. Nothing is added when maxn is 0 or bucket is 0.
    /// </summary>
    public static void AddSubwordRows(ReadOnlySpan<byte> wrappedWord, int minn, int maxn, int bucket, int nwords, List<int> rows)
    {
        if (maxn <= 0 || bucket <= 0)
        {
            return;
        }

        var e = new SubwordEnumerator(wrappedWord, minn, maxn);
        while (e.MoveNext())
        {
            rows.Add(nwords + (int)(e.Hash % (uint)bucket));
        }
    }

    /// <summary>Wraps a UTF-8 word in fastText's &lt; &gt; markers.</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> word)
    {
        var wrapped = new byte[word.Length + 2];
        wrapped[0] = BeginOfWord;
        word.CopyTo(wrapped.AsSpan(1));
        wrapped[^1] = EndOfWord;
        return wrapped;
    }
}
