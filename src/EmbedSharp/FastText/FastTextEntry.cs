namespace EmbedSharp.FastText;

/// <summary>A dictionary entry of a fastText model: the word (or label), its corpus count and its type.</summary>
/// <param name="Word">The word; written to the file as UTF-8.</param>
/// <param name="Count">Occurrences in the training corpus (fastText: <c>entry.count</c>).</param>
/// <param name="Type">Word or label.</param>
public readonly record struct FastTextEntry(string Word, long Count, FastTextEntryType Type);

/// <summary>One input row that makes up a word's vector, as fastText's <c>print-ngrams</c> lists them.</summary>
/// <param name="Text">The word itself (for its own row) or a character n-gram including '&lt;' / '&gt;'.</param>
/// <param name="Row">Row of the input matrix: the word's id, or nwords + hash(n-gram) mod bucket.</param>
public readonly record struct FastTextSubword(string Text, int Row);

/// <summary>Type of a dictionary entry (dictionary.h: <c>enum class entry_type : int8_t { word = 0, label = 1 }</c>).</summary>
public enum FastTextEntryType : byte
{
    /// <summary>A word: it has an input row and (with maxn &gt; 0) character n-grams.</summary>
    Word = 0,

    /// <summary>A label (a token starting with <c>__label__</c> in supervised training).</summary>
    Label = 1,
}
