using System.Text.Json;

namespace EmbedSharp.Tokenization.HuggingFace;

/// <summary>
/// Hugging Face <c>WordPiece</c> model: greedy longest-match-first from the start of the piece, later pieces looked up
/// with <c>continuing_subword_prefix</c> (default <c>##</c>); a piece longer than <c>max_input_chars_per_word</c>
/// (default 100) characters, or one that cannot be covered, is one <c>unk_token</c> (default <c>[UNK]</c>).
/// </summary>
internal sealed class WordPieceModel : Model
{
    private readonly string prefix;
    private readonly int unkId;
    private readonly int maxChars;

    public WordPieceModel(JsonSource json, JsonElement element, string path)
        : this(json, element, path, ReadVocab(json, element, path))
    {
    }

    private WordPieceModel(JsonSource json, JsonElement element, string path, (Dictionary<string, int> Vocab, string?[] Tokens) v)
        : base(v.Vocab, v.Tokens)
    {
        prefix = json.OptionalString(element, "continuing_subword_prefix", path, "##")!;
        unkId = RequireToken(json, Vocab, json.OptionalString(element, "unk_token", path, "[UNK]")!, $"{path}.unk_token");
        maxChars = json.Int(element, "max_input_chars_per_word", path, 100);
    }

    /// <summary>The prefix of word-internal pieces.</summary>
    public string Prefix => prefix;

    public override void Tokenize(ReadOnlySpan<char> piece, List<ModelToken> output)
    {
        var chars = 0;
        if (piece.Length > maxChars) // a piece has at most as many characters as UTF-16 units
        {
            foreach (var _ in piece.EnumerateRunes())
            {
                chars++;
            }
        }

        if (chars > maxChars)
        {
            output.Add(new ModelToken(unkId, 0, piece.Length));
            return;
        }

        var first = output.Count;
        var size = prefix.Length + piece.Length;
        Span<char> buffer = size <= 256 ? stackalloc char[256] : new char[size];
        prefix.CopyTo(buffer);
        for (var start = 0; start < piece.Length;)
        {
            var end = piece.Length;
            var found = -1;
            while (start < end)
            {
                scoped ReadOnlySpan<char> candidate;
                if (start > 0)
                {
                    piece[start..end].CopyTo(buffer[prefix.Length..]);
                    candidate = buffer[..(prefix.Length + end - start)];
                }
                else
                {
                    candidate = piece[..end];
                }

                if (Lookup.TryGetValue(candidate, out var id))
                {
                    found = id;
                    break;
                }

                end -= end >= 2 && char.IsLowSurrogate(piece[end - 1]) && char.IsHighSurrogate(piece[end - 2]) ? 2 : 1;
            }

            if (found < 0)
            {
                output.RemoveRange(first, output.Count - first);
                output.Add(new ModelToken(unkId, 0, piece.Length));
                return;
            }

            output.Add(new ModelToken(found, start, end));
            start = end;
        }
    }
}
