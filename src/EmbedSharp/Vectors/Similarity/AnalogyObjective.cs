namespace EmbedSharp.Vectors.Similarity;

/// <summary>How <see cref="SimilarityIndex.Analogy"/> scores candidates d for "a is to b as c is to d" (Levy &amp; Goldberg 2014).</summary>
public enum AnalogyObjective
{
    /// <summary>3CosAdd: cos(d, unit(b̂ − â + ĉ)), the hat being unit length (gensim: <c>most_similar(positive=[b, c], negative=[a])</c>).</summary>
    CosAdd,

    /// <summary>3CosMul: s(d,b)·s(d,c) / (s(d,a) + 1e-6) with s = (1 + cos) / 2 (gensim: <c>most_similar_cosmul(positive=[b, c], negative=[a])</c>).</summary>
    CosMul,
}
