namespace EmbedSharp.Vectors.Similarity;

/// <summary>One result of a similarity query: a word, its row in the table, and its score (a cosine for
/// <see cref="SimilarityIndex.MostSimilar(string, int, int?)"/>, the 3CosMul objective for
/// <see cref="SimilarityIndex.MostSimilarCosMul(IReadOnlyList{string}, IReadOnlyList{string}?, int, int?, IEnumerable{string}?)"/>).
/// gensim returns the same as a <c>(key, similarity)</c> tuple.</summary>
/// <param name="Word">The word.</param>
/// <param name="Index">Its row in the table.</param>
/// <param name="Score">Its score; NaN for a row whose vector is all zeros.</param>
public readonly record struct Neighbor(string Word, int Index, float Score);
