using EmbedSharp.Tokenization;

namespace EmbedSharp.Study.Claims;

/// <summary>
/// A text corpus for the language-model experiments: documents (addresses, chapters) dealt into training (nine of
/// every ten) and validation (every tenth, starting with the tenth), so both halves span the whole corpus; with a
/// character cap, every k-th document is kept first (k the smallest stride under the cap).
/// </summary>
/// <param name="Name">Short name used in experiment ids (e.g. <c>sotu</c>).</param>
/// <param name="Description">What the corpus is, with its sizes.</param>
/// <param name="Train">Training documents.</param>
/// <param name="Validation">Validation documents.</param>
public sealed record LmCorpus(string Name, string Description, IReadOnlyList<string> Train, IReadOnlyList<string> Validation)
{
    /// <summary>Deals <paramref name="documents"/> into training and validation (see the type's remarks).</summary>
    /// <param name="name">Short name.</param>
    /// <param name="title">What the documents are (e.g. "State of the Union addresses").</param>
    /// <param name="documents">The documents in their natural order.</param>
    /// <param name="maxChars">At most about this many characters (every k-th document), 0 = all; documents are kept whole.</param>
    /// <exception cref="ArgumentException">Fewer than two non-empty documents.</exception>
    public static LmCorpus FromDocuments(string name, string title, IReadOnlyList<string> documents, long maxChars = 0)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var docs = documents.Where(d => !string.IsNullOrWhiteSpace(d)).ToList();
        if (docs.Count < 2)
        {
            throw new ArgumentException($"{title}: {docs.Count} non-empty documents; a training/validation split needs at least two.", nameof(documents));
        }

        // Over the cap: keep every k-th document, k the smallest stride that fits, so the kept ones still span the corpus.
        var total = docs.Sum(d => (long)d.Length);
        var stride = maxChars > 0 && total > maxChars ? (int)Math.Ceiling((double)total / maxChars) : 1;
        var kept = Enumerable.Range(0, docs.Count).Where(i => i % stride == 0).ToList();
        var train = new List<string>();
        var validation = new List<string>();
        var k = 0;
        foreach (var i in kept)
        {
            (k % 10 == 9 ? validation : train).Add(docs[i]);
            k++;
        }

        if (validation.Count == 0)
        {
            validation.Add(train[^1]);
            train.RemoveAt(train.Count - 1);
        }

        var description = FormattableString.Invariant(
            $"{title}: {train.Count + validation.Count:N0} documents, {train.Sum(d => (long)d.Length):N0} training and {validation.Sum(d => (long)d.Length):N0} validation characters (every tenth document)");
        return new LmCorpus(name, description, train, validation);
    }

    /// <summary>Characters of the validation documents, each with its closing <c>\n</c> (what bits per character divide by).</summary>
    public long ValidationChars => Validation.Sum(d => (long)d.Length + 1);
}

/// <summary>A corpus encoded by one tokenizer: every document followed by a newline, concatenated.</summary>
/// <param name="Tokenizer">The tokenizer's short name (<c>char</c>, <c>bpe</c>, <c>unigram</c>).</param>
/// <param name="Description">What it is (algorithm, vocabulary size, trained on what).</param>
/// <param name="Vocab">Vocabulary size (ids are below it).</param>
/// <param name="Train">Training token ids.</param>
/// <param name="Validation">Validation token ids.</param>
/// <param name="ValidationChars">Characters the validation tokens cover.</param>
/// <param name="TokenStrings">The string of each id (for aligning pretrained vectors and training them).</param>
public sealed record LmTokens(string Tokenizer, string Description, int Vocab, int[] Train, int[] Validation, long ValidationChars, IReadOnlyList<string> TokenStrings)
{
    /// <summary>Validation tokens per character.</summary>
    public double TokensPerChar => (double)Validation.Length / ValidationChars;

    /// <summary>Encodes <paramref name="corpus"/> with <paramref name="tokenizer"/>, document by document (each followed by <c>\n</c>).</summary>
    public static LmTokens Encode(string name, string description, ITokenizer tokenizer, int vocab, LmCorpus corpus, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(corpus);
        int[] Stream(IReadOnlyList<string> docs)
        {
            var ids = new List<int>();
            foreach (var d in docs)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ids.AddRange(tokenizer.Encode(d + "\n").Ids);
            }

            return [.. ids];
        }

        var strings = Enumerable.Range(0, vocab).Select(tokenizer.IdToToken).ToList();
        return new LmTokens(name, description, vocab, Stream(corpus.Train), Stream(corpus.Validation), corpus.ValidationChars, strings);
    }

    /// <summary>Cross-entropy (nats/token) of the validation tokens under the training tokens' unigram frequencies
    /// (add-one smoothed): what a model that ignores context achieves.</summary>
    public double UnigramLoss()
    {
        var counts = new double[Vocab];
        foreach (var t in Train)
        {
            counts[t]++;
        }

        var total = Train.Length + (double)Vocab;
        var sum = 0.0;
        foreach (var t in Validation)
        {
            sum -= Math.Log((counts[t] + 1) / total);
        }

        return sum / Validation.Length;
    }
}
