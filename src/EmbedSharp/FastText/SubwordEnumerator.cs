namespace EmbedSharp.FastText;

/// <summary>
/// The character n-grams of a wrapped word (<c>&lt;word&gt;</c>) in fastText's order (dictionary.cc
/// <c>computeSubwords</c>): for each start that is a UTF-8 character start (a byte not of the form 0b10xxxxxx), n-grams of
/// n = 1, 2, … characters up to maxn or the end of the word; an n-gram is kept when n ≥ minn, except the 1-grams
/// "&lt;" (start 0) and "&gt;" (ending at the end). The full wrapped word is an n-gram like any other. Allocates nothing.
/// </summary>
internal ref struct SubwordEnumerator
{
    private readonly ReadOnlySpan<byte> _word;
    private readonly int _minn;
    private readonly int _maxn;
    private int _i;
    private int _j;
    private int _n;
    private uint _h;

    /// <param name="wrapped">The word with '&lt;' before and '&gt;' after.</param>
    /// <param name="minn">Minimum n-gram length in characters.</param>
    /// <param name="maxn">Maximum n-gram length in characters; 0 yields nothing.</param>
    public SubwordEnumerator(ReadOnlySpan<byte> wrapped, int minn, int maxn)
    {
        _word = wrapped;
        _minn = minn;
        _maxn = maxn;
        _i = -1;
        _j = 0;
        _n = 0;
        _h = 0;
    }

    /// <summary>Byte offset of the current n-gram in the wrapped word.</summary>
    public readonly int Start => _i;

    /// <summary>Byte length of the current n-gram.</summary>
    public readonly int Length => _j - _i;

    /// <summary>fastText hash of the current n-gram's bytes.</summary>
    public readonly uint Hash => _h;

    public bool MoveNext()
    {
        var w = _word;
        while (true)
        {
            if (_i < 0 || _j >= w.Length || _n >= _maxn)
            {
                do
                {
                    _i++;
                }
                while (_i < w.Length && (w[_i] & 0xC0) == 0x80);

                if (_i >= w.Length || _maxn <= 0)
                {
                    _i = w.Length;
                    _j = w.Length;
                    return false;
                }

                _j = _i;
                _n = 0;
                _h = FastTextHashing.OffsetBasis;
            }

            // Extend the n-gram by one character: its first byte and any continuation bytes.
            _h = FastTextHashing.Step(_h, w[_j++]);
            while (_j < w.Length && (w[_j] & 0xC0) == 0x80)
            {
                _h = FastTextHashing.Step(_h, w[_j++]);
            }

            _n++;
            if (_n >= _minn && !(_n == 1 && (_i == 0 || _j == w.Length)))
            {
                return true;
            }
        }
    }
}
