-- What the shop sells; prices in cents.
type Product = {sku: string, name: string, price: integer}

local products: {[string]: Product} = {
  tea = {sku = "tea", name = "Green tea, 100 g", price = 650},
  mug = {sku = "mug", name = "Stoneware mug", price = 1200},
  kettle = {sku = "kettle", name = "Gooseneck kettle", price = 4500},
  honey = {sku = "honey", name = "Forest honey", price = 890},
}

local catalog = {}

function catalog.get(sku: string): Product?
  return products[sku]
end

-- every product, by sku
function catalog.list(): {Product}
  local out = {}
  for _, p in pairs(products) do table.insert(out, p) end
  table.sort(out, function(a, b) return a.sku < b.sku end)
  return out
end

return catalog
