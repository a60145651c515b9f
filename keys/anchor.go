package keys

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/opencites/opencites/verifier"
)

// Anchor returns the node's trust-anchor key, creating it on first use.
// It signs the trust list and the status lists; verifier apps pin its
// public half (citesd keys anchor). It never signs permits.
func (k *Keyring) Anchor() (*ecdsa.PrivateKey, error) {
	k.anchorMu.Lock()
	defer k.anchorMu.Unlock()
	if k.anchor != nil {
		return k.anchor, nil
	}
	path := filepath.Join(k.dir, "anchor.pem")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(k.dir, 0o700); err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(priv)
		if err != nil {
			return nil, err
		}
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
			return nil, fmt.Errorf("write anchor key: %w", err)
		}
		if err := os.Rename(tmp, path); err != nil {
			return nil, err
		}
		k.anchor = priv
		return priv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read anchor key: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("anchor key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("anchor key: %w", err)
	}
	ec, ok := key.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("anchor key is not ECDSA")
	}
	k.anchor = ec
	return ec, nil
}

// AnchorPublicPEM is the anchor's public key for verifier apps to pin.
func (k *Keyring) AnchorPublicPEM() (string, string, error) {
	a, err := k.Anchor()
	if err != nil {
		return "", "", err
	}
	pemText, err := publicPEM(&a.PublicKey)
	return pemText, verifier.AnchorID(&a.PublicKey), err
}
