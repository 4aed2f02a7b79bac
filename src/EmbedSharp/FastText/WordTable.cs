namespace EmbedSharp.FastText;

/// <summary>The rows of every entry back to back (Starts has Count + 1 offsets) and the longest run.</summary>
internal sealed record SubwordTable(int[] Rows, int[] Starts, int Max);

/// <summary>An open-addressing table of byte strings kept in insertion order (ids 0..Count-1), keyed by fastText's hash.</summary>
internal sealed class WordTable
{
    private byte[] _pool = new byte[1 << 16];
    private int _poolLength;
    private int[] _start;
    private int[] _length;
    private uint[] _hash;
    private int[] _slots; // -1 empty, else id
    private int _mask;

    public WordTable(int capacity)
    {
        _start = new int[capacity];
        _length = new int[capacity];
        _hash = new uint[capacity];
        var size = (int)Math.Max(16, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity * 2));
        _slots = new int[size];
        Array.Fill(_slots, -1);
        _mask = size - 1;
    }

    public int Count { get; private set; }

    public ReadOnlySpan<byte> Get(int id) => _pool.AsSpan(_start[id], _length[id]);

    public int Find(ReadOnlySpan<byte> word, uint hash)
    {
        var slot = (int)(hash & (uint)_mask);
        while (true)
        {
            var id = _slots[slot];
            if (id < 0)
            {
                return -1;
            }

            if (_hash[id] == hash && _pool.AsSpan(_start[id], _length[id]).SequenceEqual(word))
            {
                return id;
            }

            slot = (slot + 1) & _mask;
        }
    }

    /// <summary>Appends a word; returns its id. If the word is already present, lookups now find this new id.</summary>
    public int Add(ReadOnlySpan<byte> word, uint hash)
    {
        if (Count == _start.Length)
        {
            var capacity = _start.Length * 2;
            Array.Resize(ref _start, capacity);
            Array.Resize(ref _length, capacity);
            Array.Resize(ref _hash, capacity);
        }

        if ((long)(Count + 1) * 2 > _slots.Length)
        {
            Rehash(_slots.Length * 2);
        }

        if (_poolLength + word.Length > _pool.Length)
        {
            Array.Resize(ref _pool, (int)Math.Min(Array.MaxLength, Math.Max((long)_pool.Length * 2, (long)_poolLength + word.Length)));
        }

        word.CopyTo(_pool.AsSpan(_poolLength));
        var id = Count++;
        _start[id] = _poolLength;
        _length[id] = word.Length;
        _hash[id] = hash;
        _poolLength += word.Length;
        Insert(id);
        return id;
    }

    /// <summary>Points the word's slot at <paramref name="id"/>: an empty slot, or the slot of an equal earlier entry
    /// (so a repeated word resolves to its last entry, as fastText's table).</summary>
    private void Insert(int id)
    {
        var slot = (int)(_hash[id] & (uint)_mask);
        while (_slots[slot] >= 0 && !(_hash[_slots[slot]] == _hash[id] && Get(_slots[slot]).SequenceEqual(Get(id))))
        {
            slot = (slot + 1) & _mask;
        }

        _slots[slot] = id;
    }

    private void Rehash(int size)
    {
        _slots = new int[size];
        Array.Fill(_slots, -1);
        _mask = size - 1;
        for (var id = 0; id < Count; id++)
        {
            Insert(id);
        }
    }
}
