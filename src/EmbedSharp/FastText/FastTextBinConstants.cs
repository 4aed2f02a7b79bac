namespace EmbedSharp.FastText;

/// <summary>
/// Numbers that define the fastText <c>.bin</c> byte layout. Source of truth: fastText 0.9.2 <c>src/fasttext.cc</c>
/// (<c>FASTTEXT_FILEFORMAT_MAGIC_INT32</c>, <c>FASTTEXT_VERSION</c>, <c>saveModel</c>/<c>loadModel</c>),
/// <c>src/args.cc</c> (<c>Args::save</c>), <c>src/dictionary.cc</c> (<c>Dictionary::save</c>/<c>load</c>) and
/// <c>src/densematrix.cc</c> (<c>DenseMatrix::save</c>). All numbers are little-endian (fastText writes host order; every
/// published model was written on x86).
/// </summary>
internal static class FastTextBinConstants
{
    /// <summary>First int32 of every fastText model file (fasttext.cc: FASTTEXT_FILEFORMAT_MAGIC_INT32).</summary>
    public const int Magic = 793712314;

    /// <summary>The model format version written by fastText since 2017-10 (0.1 to 0.9.2; fasttext.cc: FASTTEXT_VERSION),
    /// the only version written.</summary>
    public const int Version = 12;

    /// <summary>Version 11 ("Version 1a"), written from 2017-05 (commit af68932, the magic number) to 2017-10 (commit
    /// ebbd3bf): the same bytes as version 12; a supervised model used no character n-grams (its maxn is read as 0, as
    /// fastText's loadModel does) and <c>&lt;/s&gt;</c> had character n-grams like any word.</summary>
    public const int Version11 = 11;

    /// <summary>The version this library gives files from before the magic number (fastText before 2017-05, e.g. commit
    /// fdf325c): no magic and version, no pruneidx_size in the dictionary, no quantization flags before the matrices;
    /// supervised word n-grams hashed word ids (dictionary.cc <c>addNgrams</c>), not token hashes.</summary>
    public const int VersionBeforeMagic = 0;

    /// <summary>The largest args.dim believed when sniffing a file without a magic number.</summary>
    public const int MaxPlausibleDim = 1 << 16;

    /// <summary>Bytes of <c>Args::save</c>: twelve int32 (dim, ws, epoch, minCount, neg, wordNgrams, loss, model,
    /// bucket, minn, maxn, lrUpdateRate) then one float64 (t).</summary>
    public const int ArgsBytes = (12 * sizeof(int)) + sizeof(double);

    /// <summary>Bytes of the dictionary header: size, nwords, nlabels (int32), ntokens, pruneidx_size (int64).</summary>
    public const int DictionaryHeaderBytes = (3 * sizeof(int)) + (2 * sizeof(long));

    /// <summary>Smallest dictionary entry: an empty word's NUL terminator, the int64 count and the int8 type.</summary>
    public const int MinEntryBytes = 1 + sizeof(long) + 1;

    /// <summary>Bytes of a dense matrix header: m and n as int64.</summary>
    public const int MatrixHeaderBytes = 2 * sizeof(long);

    /// <summary><c>pruneidx_size</c> of a dictionary that was never pruned (dictionary.h: initialised to -1).</summary>
    public const long NotPruned = -1;
}
